// Discovery against a real avahi-daemon: servers announce themselves, the
// viewer finds them (--list --json) and opens the only one. Each test makes
// its own network namespace, D-Bus system bus and avahi-daemon
// (support/avahi_sandbox.h), so it needs root; without root it says it is
// skipped and passes.

#include <algorithm>
#include <csignal>
#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include "protocol/messages.h"
#include "support/avahi_sandbox.h"
#include "support/printers.h"
#include "support/process.h"
#include "support/test_images.h"
#include "support/virtual_display.h"
#include "support/wait_for.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

#define SKIP_WITHOUT(sandbox)                                                                      \
    if (!(sandbox).ok()) {                                                                         \
        MESSAGE("SKIPPED: " << (sandbox).skipReason());                                            \
        return;                                                                                    \
    }

// A test-pattern server announcing itself as `name`, on every address of the namespace.
std::unique_ptr<Process> startNamed(const AvahiSandbox& sandbox, const TempDir& dir,
                                    const std::string& name, std::vector<std::string> extra)
{
    std::vector<std::string> args = {serverBinary(),
                                     "--listen",
                                     "0.0.0.0:0",
                                     "--name",
                                     name,
                                     "--stats-interval",
                                     "0",
                                     "--key-file",
                                     dir.file(name + ".key").string()};
    if (std::find(extra.begin(), extra.end(), "--http") == extra.end())
        extra.insert(extra.end(), {"--http", "0.0.0.0:0"});
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Process>(sandbox.wrap(args), dir.path(), "server-" + name,
                                     sandbox.env());
}

// The stream port of a server listening on every address, or 0.
std::uint16_t listeningPort(Process& server)
{
    const auto port = server.waitForErr(std::regex(R"(listening on 0\.0\.0\.0:(\d+)\n)"), 20s);
    return port ? static_cast<std::uint16_t>(std::stoi(*port)) : 0;
}

// A 320x240 test-pattern server that asks for no key, announcing itself as `name`.
std::unique_ptr<Process> startOpen(const AvahiSandbox& sandbox, const TempDir& dir,
                                   const std::string& name)
{
    return startNamed(sandbox, dir, name, {"--insecure", "--source", "test", "--size", "320x240"});
}

// Waits for the server's announcement; its stream port, or 0.
std::uint16_t announced(Process& server)
{
    const auto port = listeningPort(server);
    if (port == 0)
        return 0;
    if (!server.waitForErr(std::regex("announced on the network as"), 20s))
        return 0;
    return port;
}

// The namespace's bus, and a key store of the test's own (empty unless the test writes it).
std::vector<std::string> viewerEnv(const AvahiSandbox& sandbox, const TempDir& dir)
{
    std::vector<std::string> env = sandbox.env();
    env.push_back("XDG_CONFIG_HOME=" + dir.path().string());
    return env;
}

// pistream-viewer --list --json in the namespace: its exit code and the array.
std::pair<int, nlohmann::json> list(const AvahiSandbox& sandbox, const TempDir& dir)
{
    Process viewer(sandbox.wrap({viewerBinary(), "--list", "--json", "--browse-time", "2"}),
                   dir.path(), "list", viewerEnv(sandbox, dir));
    const auto code = viewer.wait(60s);
    INFO("viewer stderr: " << viewer.err());
    REQUIRE(code.has_value());
    const std::string out = viewer.out();
    INFO("viewer stdout: " << out);
    auto json = nlohmann::json::parse(out, nullptr, false);
    REQUIRE_FALSE(json.is_discarded());
    REQUIRE(json.is_array());
    return {*code, json};
}

std::size_t occurrences(const std::string& text, const std::string& what)
{
    std::size_t found = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++found;
    return found;
}

const nlohmann::json* findCamera(const nlohmann::json& cameras, const std::string& name)
{
    for (const auto& camera : cameras)
        if (camera.value("name", "") == name)
            return &camera;
    return nullptr;
}

// A windowed viewer's environment: the namespace's bus, the display, and no
// leak checks (SDL loads libX11 and D-Bus itself and keeps what they
// allocate for the process's life, which LeakSanitizer cannot name, as in
// test_window). Leak checks stay on for every headless viewer and server.
std::vector<std::string> windowEnv(const AvahiSandbox& sandbox, const TempDir& dir,
                                   const VirtualDisplay& display)
{
    auto env = viewerEnv(sandbox, dir);
    env.push_back("DISPLAY=" + display.name());
    env.push_back(
        "ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=1:quarantine_size_mb=32");
    return env;
}

// Whether a window whose title matches `pattern` (xdotool's regular
// expression) shows up within a generous deadline.
bool waitForWindow(const VirtualDisplay& display, const TempDir& dir, const std::string& pattern)
{
    return waitFor(
        [&] {
            return runTool({"xdotool", "search", "--name", pattern}, dir.path(), display.env())
                       .first == 0;
        },
        30s, 200ms);
}

// Types `key` into the window whose title matches `pattern`, once there is
// one. Whether the key arrived is for the caller to see (a title, an exit
// code): xdotool may report an error when the key has already done its work
// and the window is gone or renamed, so it is neither checked nor repeated.
void press(const VirtualDisplay& display, const TempDir& dir, const std::string& pattern,
           const std::string& key)
{
    REQUIRE(waitForWindow(display, dir, pattern));
    runTool({"xdotool", "search", "--name", pattern, "windowfocus", "--sync", "%1", "key", key},
            dir.path(), display.env());
}

// Pixels of the screen, shrunk to 80x60, that are the picker's blue "All
// cameras" button (30, 70, 130).
int bluePixels(const VirtualDisplay& display, const TempDir& dir, const std::string& name)
{
    return screenshot(display, dir, name).count([](int r, int g, int b) {
        return b > 100 && b > r + 60 && g < 110;
    });
}

} // namespace

TEST_CASE("two servers are found by --list --json with their TXT data, and a stopped one goes")
{
    TempDir dir;
    AvahiSandbox sandbox(dir.path());
    SKIP_WITHOUT(sandbox);

    auto a = startNamed(sandbox, dir, "A",
                        {"--insecure", "--size", "320x240", "--fps", "10", "--source", "test"});
    auto b = startNamed(sandbox, dir, "B",
                        {"--http", "off", "--size", "640x480", "--fps", "15", "--source", "test"});
    const std::uint16_t portA = announced(*a);
    const std::uint16_t portB = announced(*b);
    INFO("A: " << a->err() << "\nB: " << b->err() << "\navahi: " << sandbox.avahiLog());
    REQUIRE(portA != 0);
    REQUIRE(portB != 0);

    {
        const auto listed = list(sandbox, dir);
        const nlohmann::json& cameras = listed.second;
        CHECK(listed.first == 0);
        CHECK(cameras.size() == 2);
        const nlohmann::json* foundA = findCamera(cameras, "A");
        const nlohmann::json* foundB = findCamera(cameras, "B");
        REQUIRE(foundA);
        REQUIRE(foundB);
        CHECK((*foundA)["port"] == portA);
        CHECK((*foundA)["address"] == AvahiSandbox::kAddress);
        CHECK((*foundA)["host"] == std::string(AvahiSandbox::kHostName) + ".local");
        CHECK((*foundA)["size"] == "320x240");
        CHECK((*foundA)["fps"] == 10.0);
        CHECK((*foundA)["key_needed"] == false);
        CHECK((*foundA)["http_port"].is_number());
        CHECK((*foundA)["version"] ==
              std::to_string(kVersionMajor) + "." + std::to_string(kVersionMinor));
        CHECK((*foundB)["port"] == portB);
        CHECK((*foundB)["size"] == "640x480");
        CHECK((*foundB)["fps"] == 15.0);
        CHECK((*foundB)["key_needed"] == true);
        CHECK((*foundB)["key_stored"] == false);
        CHECK((*foundB)["http_port"].is_null());
    }

    // With no HOST and two cameras, the viewer lists them and asks for one.
    {
        Process viewer(sandbox.wrap({viewerBinary(), "--headless", "--browse-time", "2"}),
                       dir.path(), "choose", viewerEnv(sandbox, dir));
        const auto code = viewer.wait(60s);
        INFO("viewer stdout: " << viewer.out() << "\nstderr: " << viewer.err());
        CHECK(code == 2);
        CHECK(viewer.out().find("A ") != std::string::npos);
        CHECK(viewer.out().find("B ") != std::string::npos);
        CHECK(viewer.err().find("2 cameras found") != std::string::npos);
    }

    // A stopped server withdraws its announcement.
    b->signal(SIGTERM);
    REQUIRE(b->wait(20s) == 0);
    bool gone = false;
    for (int attempt = 0; attempt < 5 && !gone; ++attempt) {
        const auto listed = list(sandbox, dir);
        CHECK(listed.first == 0);
        gone = !findCamera(listed.second, "B") && findCamera(listed.second, "A");
    }
    CHECK(gone);

    // Nothing announced: --list says so with exit 1.
    a->signal(SIGTERM);
    REQUIRE(a->wait(20s) == 0);
    int code = 0;
    for (int attempt = 0; attempt < 5 && code != 1; ++attempt)
        code = list(sandbox, dir).first;
    CHECK(code == 1);
}

TEST_CASE("with no host the viewer opens the only camera on the LAN")
{
    TempDir dir;
    AvahiSandbox sandbox(dir.path());
    SKIP_WITHOUT(sandbox);

    auto only =
        startNamed(sandbox, dir, "Only", {"--insecure", "--size", "320x240", "--source", "test"});
    INFO("server: " << only->err());
    REQUIRE(announced(*only) != 0);

    Process viewer(sandbox.wrap({viewerBinary(), "--headless", "--frames", "5", "--stats", "json",
                                 "--browse-time", "2"}),
                   dir.path(), "viewer", viewerEnv(sandbox, dir));
    const auto code = viewer.wait(60s);
    INFO("viewer stdout: " << viewer.out() << "\nstderr: " << viewer.err());
    CHECK(code == 0);
    CHECK(viewer.err().find("found Only at 10.213.0.1:") != std::string::npos);
    // The name again, from the server's hello (protocol 1.1).
    CHECK(viewer.err().find("connected to Only at 10.213.0.1:") != std::string::npos);
    const auto summary = nlohmann::json::parse(viewer.out(), nullptr, false);
    REQUIRE(summary.is_object());
    CHECK(summary["frames"].get<int>() >= 5);
}

TEST_CASE("a camera that needs a key the viewer lacks is a usage error naming its mDNS host")
{
    TempDir dir;
    AvahiSandbox sandbox(dir.path());
    SKIP_WITHOUT(sandbox);

    auto keyed = startNamed(sandbox, dir, "Keyed", {"--source", "test", "--size", "320x240"});
    const std::uint16_t port = announced(*keyed);
    INFO("server: " << keyed->err());
    REQUIRE(port != 0);
    Process viewer(
        sandbox.wrap({viewerBinary(), "--headless", "--frames", "1", "--browse-time", "2"}),
        dir.path(), "viewer", viewerEnv(sandbox, dir));
    const auto code = viewer.wait(60s);
    INFO("viewer stderr: " << viewer.err());
    CHECK(code == 2);
    CHECK(viewer.err().find("no pairing key for " + std::string(AvahiSandbox::kHostName) +
                            ".local:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("the server announces itself again when avahi-daemon restarts")
{
    TempDir dir;
    AvahiSandbox sandbox(dir.path());
    SKIP_WITHOUT(sandbox);

    auto server = startOpen(sandbox, dir, "Phoenix");
    INFO("server: " << server->err());
    REQUIRE(announced(*server) != 0);
    REQUIRE(sandbox.restartAvahi());
    CHECK(server->waitForErr(std::regex("announced again on the network as 'Phoenix'"), 30s));
    CHECK(server->running());
    const auto listed = list(sandbox, dir);
    CHECK(listed.first == 0);
    CHECK(findCamera(listed.second, "Phoenix"));
}

TEST_CASE("a name taken on the LAN is announced as its alternative")
{
    TempDir dir;
    AvahiSandbox sandbox(dir.path());
    SKIP_WITHOUT(sandbox);

    auto first = startOpen(sandbox, dir, "Twin");
    REQUIRE(announced(*first) != 0);
    auto second = std::make_unique<Process>(
        sandbox.wrap({serverBinary(), "--listen", "0.0.0.0:0", "--http", "off", "--name", "Twin",
                      "--insecure", "--source", "test", "--size", "320x240", "--stats-interval",
                      "0"}),
        dir.path(), "server-twin2", sandbox.env());
    INFO("second: " << second->err());
    REQUIRE(listeningPort(*second) != 0);
    CHECK(second->waitForErr(std::regex("announced on the network as 'Twin #2'"), 20s));
    const auto listed = list(sandbox, dir);
    CHECK(listed.first == 0);
    CHECK(listed.second.size() == 2);
}

TEST_CASE("without avahi-daemon the server streams as usual and warns once")
{
    TempDir dir;
    // A bus address where there is none: as on a machine without D-Bus or avahi-daemon.
    Process server({serverBinary(), "--listen", "0.0.0.0:0", "--http", "off", "--insecure",
                    "--source", "test", "--size", "320x240", "--stats-interval", "0"},
                   dir.path(), "server",
                   {"DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + dir.file("no-bus").string()});
    const std::uint16_t port = listeningPort(server);
    INFO("server: " << server.err());
    REQUIRE(port != 0);
    REQUIRE(server.waitForErr(std::regex("not announced on the network"), 20s));
    Process viewer({viewerBinary(), "--headless", "--frames", "3", "--insecure",
                    "127.0.0.1:" + std::to_string(port)},
                   dir.path(), "viewer");
    CHECK(viewer.wait(60s) == 0);
    CHECK(server.running());
    const std::string log = server.err();
    std::size_t warnings = 0;
    for (auto at = log.find("not announced"); at != std::string::npos;
         at = log.find("not announced", at + 1))
        ++warnings;
    CHECK(warnings == 1);
}

TEST_CASE("--all: a wall of the cameras on the LAN, tiles coming and going with them")
{
    TempDir dir;
    AvahiSandbox sandbox(dir.path());
    SKIP_WITHOUT(sandbox);
    const VirtualDisplay display(dir);

    auto a = startOpen(sandbox, dir, "A");
    auto b = startOpen(sandbox, dir, "B");
    REQUIRE(announced(*a) != 0);
    REQUIRE(announced(*b) != 0);
    const auto env = windowEnv(sandbox, dir, display);
    Process viewer(sandbox.wrap({viewerBinary(), "--all", "--browse-time", "1"}), dir.path(),
                   "viewer", env);
    INFO("viewer: " << viewer.err() << "\navahi: " << sandbox.avahiLog());
    REQUIRE(viewer.waitForErr(std::regex("connected to A at"), 30s));
    REQUIRE(viewer.waitForErr(std::regex("connected to B at"), 30s));

    // B stops: its announcement goes, and so does its tile; A's carries on.
    b->signal(SIGTERM);
    REQUIRE(b->wait(20s) == 0);
    REQUIRE(viewer.waitForErr(std::regex("is gone from the LAN"), 30s));
    // C comes: a tile of its own.
    auto c = startOpen(sandbox, dir, "C");
    REQUIRE(announced(*c) != 0);
    REQUIRE(viewer.waitForErr(std::regex("connected to C at"), 30s));
    CHECK(occurrences(viewer.err(), "connected to A at") == 1); // never dropped nor reconnected
    CHECK(occurrences(viewer.err(), "is gone from the LAN") == 1);
    CHECK(viewer.running());

    viewer.signal(SIGTERM);
    CHECK(viewer.wait(20s) == 0);
    // The summary: the two cameras on the wall at the end, A with frames.
    CHECK(viewer.err().find("tile 1 A at") != std::string::npos);
    CHECK(viewer.err().find("tile 2 C at") != std::string::npos);
}

TEST_CASE("with no host and several cameras a window shows a picker: 2 opens the second, a all, "
          "Esc quits")
{
    TempDir dir;
    AvahiSandbox sandbox(dir.path());
    SKIP_WITHOUT(sandbox);
    const VirtualDisplay display(dir);

    auto a = startOpen(sandbox, dir, "A");
    auto b = startOpen(sandbox, dir, "B");
    const std::uint16_t portB = announced(*b);
    REQUIRE(announced(*a) != 0);
    REQUIRE(portB != 0);
    const auto env = windowEnv(sandbox, dir, display);
    // A window that fits Xvfb's screen: with no window manager, a larger one is cut.
    const std::vector<std::string> viewerArgs = {viewerBinary(), "--browse-time", "1", "--size",
                                                 "760x560"};

    {
        Process viewer(sandbox.wrap(viewerArgs), dir.path(), "picker", env);
        INFO("viewer: " << viewer.err() << "\navahi: " << sandbox.avahiLog() << "\n"
                        << display.describe());
        // The picker, not a wall: its title counts the cameras, its All button is drawn.
        REQUIRE(waitForWindow(display, dir, "^pistream: pick a camera \\(2 found\\)$"));
        int blue = 0;
        waitFor([&] { return (blue = bluePixels(display, dir, "picker")) > 20; }, 30s, 200ms);
        MESSAGE("the All button covers " << blue << " of 4800 pixels");
        CHECK(blue > 20);
        CHECK(runTool({"xdotool", "search", "--name", "^pistream: [AB] at"}, dir.path(),
                      display.env())
                  .first != 0); // no camera opened yet

        // A camera that comes while the picker is shown gets its row ...
        auto c = startOpen(sandbox, dir, "C");
        REQUIRE(announced(*c) != 0);
        REQUIRE(waitForWindow(display, dir, "^pistream: pick a camera \\(3 found\\)$"));
        // And loses it when it stops.
        c->signal(SIGTERM);
        REQUIRE(c->wait(20s) == 0);
        REQUIRE(waitForWindow(display, dir, "^pistream: pick a camera \\(2 found\\)$"));

        // 2: the second by name, B, full window in the same window.
        press(display, dir, "^pistream: pick a camera", "2");
        CHECK(waitForWindow(display, dir,
                            "^pistream: B at 10\\.213\\.0\\.1:" + std::to_string(portB) +
                                " \\(live\\)$"));
        CHECK(viewer.running());
        viewer.signal(SIGTERM);
        CHECK(viewer.wait(20s) == 0);
    }
    {
        // a: the wall of them all, as --all.
        Process viewer(sandbox.wrap(viewerArgs), dir.path(), "all", env);
        INFO("viewer: " << viewer.err() << "\n" << display.describe());
        REQUIRE(waitForWindow(display, dir, "^pistream: pick a camera \\(2 found\\)$"));
        CHECK(viewer.running());
        press(display, dir, "^pistream: pick a camera", "a");
        CHECK(waitForWindow(display, dir, "^pistream: 2 cameras$"));
        viewer.signal(SIGTERM);
        CHECK(viewer.wait(20s) == 0);
    }
    {
        // A camera that needs a key we have not got is not opened (that
        // would end in "no pairing key", exit 2): the picker stays, and Esc
        // quits it with nothing opened, exit 0.
        auto keyed = startNamed(sandbox, dir, "D", {"--source", "test", "--size", "320x240"});
        REQUIRE(announced(*keyed) != 0);
        Process viewer(sandbox.wrap(viewerArgs), dir.path(), "quit", env);
        INFO("viewer: " << viewer.err() << "\n" << display.describe());
        REQUIRE(waitForWindow(display, dir, "^pistream: pick a camera \\(3 found\\)$"));
        press(display, dir, "^pistream: pick a camera", "3");
        CHECK(viewer.waitForErr(std::regex("D needs a pairing key"), 30s));
        CHECK(viewer.running());
        press(display, dir, "^pistream: pick a camera", "Escape");
        CHECK(viewer.wait(20s) == 0);
        CHECK(viewer.err().find("no pairing key") == std::string::npos);
    }
}
