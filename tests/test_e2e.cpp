// End to end: the real pistream-server and pistream-viewer over loopback.

#include <algorithm>
#include <csignal>
#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include "support/printers.h"
#include "support/process.h"
#include "support/server_status.h"
#include "support/test_images.h"
#include "support/wait_for.h"
#include "support/wire_peer.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> serverArgs(std::initializer_list<std::string> extra)
{
    // Plain TCP here: the protocol itself; test_security covers the key.
    std::vector<std::string> args = {serverBinary(),     "--listen", "127.0.0.1:0", "--http", "off",
                                     "--stats-interval", "1",        "--insecure"};
    args.insert(args.end(), extra);
    return args;
}

std::vector<std::string> viewerArgs(std::uint16_t port, std::initializer_list<std::string> extra)
{
    std::vector<std::string> args = {viewerBinary(), "--headless", "--stats", "json", "--insecure"};
    args.insert(args.end(), extra);
    args.push_back("127.0.0.1:" + std::to_string(port));
    return args;
}

nlohmann::json summary(const Process& viewer)
{
    const std::string out = viewer.out();
    INFO("viewer stdout: " << out << "\nviewer stderr: " << viewer.err());
    REQUIRE_FALSE(out.empty());
    return nlohmann::json::parse(out);
}

// A connection that reads the hello and then never reads again.
struct StalledViewer {
    asio::io_context io;
    std::optional<WirePeer> peer;
    explicit StalledViewer(std::uint16_t port)
    {
        peer.emplace(WirePeer::connect(io, {asio::ip::make_address("127.0.0.1"), port}));
        // a small receive buffer, so the server's side fills quickly
        peer->socket().set_option(asio::socket_base::receive_buffer_size(4096));
    }
};

} // namespace

TEST_CASE(
    "three viewers at once each get 100 in-order, decodable frames, and a stalled one slows nobody")
{
    TempDir dir;
    // Large frames (q95, no gzip) so a viewer that queued them would show in memory.
    Process server(
        serverArgs({"--size", "1280x720", "--fps", "60", "--quality", "95", "--gzip", "off"}),
        dir.path(), "server");
    const auto port = startServer(server);
    REQUIRE(port != 0);
    const long rssBefore = server.rssKb();

    StalledViewer stalled(port);
    std::vector<std::unique_ptr<Process>> viewers;
    for (int i = 0; i < 3; ++i)
        viewers.push_back(
            std::make_unique<Process>(viewerArgs(port, {"--frames", "100", "--duration", "60"}),
                                      dir.path(), "viewer" + std::to_string(i)));
    for (auto& viewer : viewers) {
        const auto code = viewer->wait(90s);
        REQUIRE(code);
        CHECK_MESSAGE(*code == 0, viewer->err());
        const auto json = summary(*viewer);
        CHECK(json["result"] == "ok");
        CHECK(json["frames"] == 100);
        CHECK(json["out_of_order"] == 0);
        CHECK(json["decode_errors"] == 0);
        CHECK(json["width"] == 1280);
        CHECK(json["height"] == 720);
        CHECK(json["latency_ms"]["samples"].get<int>() > 50); // clock synced early
    }
    // The stalled viewer is still connected, and it cost bounded memory: at
    // most a few frames (about 90 KB each) beyond what the server had before.
    const long rssAfter = server.rssKb();
    MESSAGE("server RSS before " << rssBefore << " KiB, after " << rssAfter << " KiB");
    CHECK(rssAfter - rssBefore < 30 * 1024);
    server.signal(SIGTERM);
    const auto code = server.wait(10s);
    REQUIRE(code);
    CHECK(*code == 0);
    // The log names the stalled viewer and what it skipped.
    CHECK(server.err().find("viewer 127.0.0.1") != std::string::npos);
    std::smatch match;
    const std::string log = server.err();
    CHECK(std::regex_search(log, match, std::regex(R"(skipped ([1-9]\d*))")));
}

TEST_CASE("--headless --record writes the frames, and without a display the viewer is headless too")
{
    TempDir dir;
    Process server(serverArgs({"--size", "320x240", "--fps", "30"}), dir.path(), "server");
    const auto port = startServer(server);
    REQUIRE(port != 0);
    // No display at all: the viewer must notice, say so once and run headless.
    const std::vector<std::string> noDisplay = {"DISPLAY=", "WAYLAND_DISPLAY=", "SDL_VIDEODRIVER="};
    struct Run {
        const char* name;
        bool headlessFlag;
    };
    for (const Run run : {Run{"headless", true}, Run{"no-display", false}}) {
        const std::string name = run.name;
        CAPTURE(name);
        const auto file = dir.file(name + ".mkv");
        std::vector<std::string> args = {viewerBinary(), "--insecure", "--frames", "12",
                                         "--stats",      "json",       "--record", file.string()};
        if (run.headlessFlag)
            args.push_back("--headless");
        args.push_back("127.0.0.1:" + std::to_string(port));
        Process viewer(args, dir.path(), name, noDisplay);
        const auto code = viewer.wait(60s); // generous: it ends after 12 frames
        if (!code)
            viewer.signal(SIGKILL);
        REQUIRE_MESSAGE(code, viewer.err());
        CHECK_MESSAGE(*code == 0, viewer.err());
        const std::string log = viewer.err();
        std::size_t warnings = 0;
        for (auto at = log.find("running headless"); at != std::string::npos;
             at = log.find("running headless", at + 1))
            ++warnings;
        CHECK(warnings == (run.headlessFlag ? 0 : 1));
        const auto json = summary(viewer);
        CHECK(json["result"] == "ok");
        CHECK(json["frames"] == 12);
        CHECK_FALSE(json["rtt_us"].is_null()); // pongs to our own pings were taken
        const auto probe = runTool(
            {"ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
             "stream=codec_name,width,height,nb_read_packets", "-of", "json", file.string()},
            dir.path());
        REQUIRE_MESSAGE(probe.first == 0, probe.second);
        const auto stream = nlohmann::json::parse(probe.second)["streams"][0];
        CHECK(stream["codec_name"] == "mjpeg");
        CHECK(stream["width"] == 320);
        CHECK(stream["height"] == 240);
        CHECK(stream["nb_read_packets"] == "12");
    }
}

TEST_CASE("y4m and mjpeg files stream through the real binaries")
{
    TempDir dir;
    for (const std::string& source : {"y4m:" + (dataDir() / "ffmpeg_64x48_25fps.y4m").string(),
                                      "mjpeg:" + (dataDir() / "ffmpeg_64x48.mjpeg").string()}) {
        CAPTURE(source);
        Process server(serverArgs({"--source", source, "--fps", "100"}), dir.path(), "server");
        const auto port = startServer(server);
        REQUIRE(port != 0);
        Process viewer(viewerArgs(port, {"--frames", "30", "--duration", "30"}), dir.path(),
                       "viewer");
        REQUIRE(viewer.wait(40s) == 0);
        const auto json = summary(viewer);
        CHECK(json["frames"] == 30);
        CHECK(json["width"] == 64);
        CHECK(json["height"] == 48);
        CHECK(json["decode_errors"] == 0);
        server.signal(SIGINT);
        CHECK(server.wait(10s) == 0);
    }
}

TEST_CASE("SIGTERM: the server says bye, the viewer reports it, both exit")
{
    TempDir dir;
    Process server(serverArgs({"--size", "320x240"}), dir.path(), "server");
    const auto port = startServer(server);
    REQUIRE(port != 0);
    Process viewer(viewerArgs(port, {}), dir.path(), "viewer");
    REQUIRE(server.waitForErr(std::regex("viewer .* connected"), 10s));
    server.signal(SIGTERM);
    CHECK(server.wait(10s) == 0);
    CHECK(server.err().find("SIGTERM: stopping") != std::string::npos);
    CHECK(viewer.wait(10s) == 1); // it asked for no end, so a lost server is a failure
    CHECK(viewer.err().find("server said bye: server shutting down") != std::string::npos);
}

namespace {

// Whether the real server sees a camera here (a Pi with one): then the
// "no camera" cases do not apply, and scripts/pi-check.sh tests the camera.
bool cameraHere()
{
    TempDir dir;
    Process list({serverBinary(), "--list-cameras"}, dir.path(), "probe");
    const auto code = list.wait(20s);
    return code && *code == 0;
}

} // namespace

TEST_CASE("--motion detects and counts events with nobody watching")
{
    TempDir dir;
    // The test pattern moves all the time: one event that lasts.
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                    "--insecure", "--stats-interval", "0", "--size", "320x240", "--motion",
                    "--event-gap", "1"},
                   dir.path(), "server");
    REQUIRE(startServer(server) != 0);
    const auto http = httpPortOf(server);
    REQUIRE(http != 0);
    nlohmann::json status;
    CHECK(waitFor(
        [&] {
            status = serverStatus(http).value_or(nlohmann::json{});
            return status.contains("motion") && status["motion"]["events"] == 1 &&
                   status["motion"]["active"] == true;
        },
        30s));
    INFO(status.dump());
    CHECK(status["viewers"]["tcp"] == 0);              // no viewer...
    CHECK(status["frames"]["encoded"].get<int>() > 0); // ...yet frames are encoded
    CHECK(status["motion"]["analysedFrames"].get<int>() > 0);
    CHECK(status["motion"]["lastEvent"]["endMs"].is_null()); // still going
    CHECK(server.waitForErr(std::regex("motion: event 1 started"), 10s));
}

TEST_CASE("start-up errors are one clear line and a non-zero exit")
{
    const bool camera = cameraHere();
    TempDir dir;
    Process first(serverArgs({"--size", "64x48"}), dir.path(), "first");
    const auto port = startServer(first);
    REQUIRE(port != 0);

    struct Case {
        std::vector<std::string> args;
        int code;
        const char* message;
    };
    const std::vector<Case> cases = {
        {{serverBinary(), "--listen", "127.0.0.1:" + std::to_string(port)},
         1,
         "cannot listen on 127.0.0.1:"},
        {{serverBinary(), "--source", "y4m:/nonexistent.y4m"}, 1, "No such file or directory"},
        {{serverBinary(), "--source", "mjpeg:" + (dataDir() / "README.md").string()},
         1,
         "no complete JPEG"},
        {{serverBinary(), "--source", "nonsense"}, 1, "unknown source"},
        // No camera on this machine: the real libcamera backend looks and says so.
        {{serverBinary(), "--source", "camera"}, 1, "no cameras found (libcamera "},
        {{serverBinary(), "--source", "camera:/base/soc/imx219@10"}, 1, "no cameras found"},
        {{serverBinary(), "--rotation", "90"}, 2, "--rotation"},
        {{serverBinary(), "--awb", "sunset"}, 2, "--awb"},
        {{serverBinary(), "--size", "0x480"}, 2, "--size"},
        {{serverBinary(), "--fps", "-5"}, 2, "--fps"},
        {{serverBinary(), "--quality", "101"}, 2, "--quality"},
        {{serverBinary(), "--gzip", "11"}, 2, "--gzip must be"},
        {{serverBinary(), "--listen", "127.0.0.1:99999"}, 2, "bad port"},
        {{serverBinary(), "--motion-mask", "hide:0,0 1,0 1,1"}, 2, "motion mask 'hide:"},
        {{serverBinary(), "--motion-mask", "ignore:0,0 2,0 1,1"}, 2, "point '2,0'"},
        {{serverBinary(), "--motion-area", "0.9"}, 2, "--motion-area"},
        {{serverBinary(), "--camera-format", "h264"}, 2, "--camera-format"},
        {{serverBinary(), "--bogus"}, 2, "--bogus"},
        // No HOST looks on the LAN (test_avahi); --list takes none.
        {{viewerBinary(), "--list", "localhost"}, 2, "--list finds cameras itself"},
        {{viewerBinary(), "--json"}, 2, "--list"},
        {{viewerBinary(), "--frames", "x", "localhost"}, 2, "--frames"},
        {{viewerBinary(), "--headless", "--insecure", "127.0.0.1:1"}, 1, "cannot connect"},
    };
    int index = 0;
    for (const auto& c : cases) {
        CAPTURE(c.args);
        if (camera && std::string(c.message).starts_with("no cameras found"))
            continue; // a Pi with a camera: not an error there
        Process process(c.args, dir.path(), "case" + std::to_string(index++));
        const auto code = process.wait(20s);
        REQUIRE(code);
        CHECK(*code == c.code);
        CHECK_MESSAGE(process.err().find(c.message) != std::string::npos, process.err());
    }
}

TEST_CASE("--list-cameras says plainly there is none, quickly, and exits 1")
{
    TempDir dir;
    Process list({serverBinary(), "--list-cameras"}, dir.path(), "list");
    const auto code = list.wait(20s);
    REQUIRE(code);
    if (*code == 0) {
        MESSAGE("a camera is present: scripts/pi-check.sh tests it");
        return;
    }
    CHECK(*code == 1);
    CHECK_MESSAGE(list.out().rfind("no cameras found (libcamera 0.", 0) == 0, list.out());
    CHECK(list.err().empty()); // libcamera's own INFO/WARN chatter is kept off the terminal
}

TEST_CASE("a viewer over the cap is told the server is full")
{
    TempDir dir;
    Process server(serverArgs({"--size", "64x48", "--max-viewers", "1"}), dir.path(), "server");
    const auto port = startServer(server);
    REQUIRE(port != 0);
    Process first(viewerArgs(port, {}), dir.path(), "first");
    REQUIRE(server.waitForErr(std::regex("connected \\(1 of at most 1\\)"), 10s));
    Process second(viewerArgs(port, {"--frames", "5"}), dir.path(), "second");
    CHECK(second.wait(10s) == 1);
    CHECK(second.err().find("server full (1 viewers)") != std::string::npos);
    CHECK(summary(second)["result"] == "error");
}

TEST_CASE("a TOML config file sets the server up, and flags win over it")
{
    TempDir dir;
    writeFile(dir.file("server.toml"), std::string("# pistream test config\n"
                                                   "listen = \"127.0.0.1:0\"\n"
                                                   "size = \"96x64\"\n"
                                                   "fps = 50\n"
                                                   "gzip = \"9\"\n"));
    Process server({serverBinary(), "--config", dir.file("server.toml").string(), "--size",
                    "128x96", "--http", "off", "--insecure"},
                   dir.path(), "server");
    const auto port = startServer(server);
    REQUIRE(port != 0);
    Process viewer(viewerArgs(port, {"--frames", "10", "--duration", "20"}), dir.path(), "viewer");
    REQUIRE(viewer.wait(30s) == 0);
    const auto json = summary(viewer);
    CHECK(json["width"] == 128);         // the flag won
    CHECK(json["gzipped_frames"] == 10); // the file's gzip level applied

    writeFile(dir.file("bad.toml"), std::string("sizee = \"96x64\"\n"));
    Process bad({serverBinary(), "--config", dir.file("bad.toml").string()}, dir.path(), "bad");
    CHECK(bad.wait(10s) == 2);
    CHECK(bad.err().find("sizee") != std::string::npos);
    writeFile(dir.file("broken.toml"), std::string("size = \n"));
    Process broken({serverBinary(), "--config", dir.file("broken.toml").string()}, dir.path(),
                   "broken");
    CHECK(broken.wait(10s) == 2);
    CHECK(broken.err().find("line 1") != std::string::npos);
}

TEST_CASE("--show-key makes the key once, prints it alone on stdout, and the viewer remembers it")
{
    TempDir dir;
    const std::string keyFile = dir.file("state/pairing.key").string();
    Process first({serverBinary(), "--show-key", "--key-file", keyFile}, dir.path(), "first");
    REQUIRE(first.wait(10s) == 0);
    const std::string key = first.out().substr(0, first.out().find('\n'));
    CHECK(std::regex_match(key, std::regex("([A-Z2-7]{4}-){7}[A-Z2-7]{4}")));
    CHECK(first.err().find("made in") != std::string::npos);
    const auto mode = std::filesystem::status(keyFile).permissions() & std::filesystem::perms::all;
    CHECK(mode == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    Process again({serverBinary(), "--show-key", "--key-file", keyFile}, dir.path(), "again");
    REQUIRE(again.wait(10s) == 0);
    CHECK(again.out() == first.out()); // the same key, not a new one

    // The key as a person types it; afterwards the viewer needs no flag.
    std::string typed = key;
    std::transform(typed.begin(), typed.end(), typed.begin(), ::tolower);
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "off", "--size", "64x48",
                    "--key-file", keyFile},
                   dir.path(), "server");
    const auto port = startServer(server);
    REQUIRE(port != 0);
    const std::vector<std::string> env = {"XDG_CONFIG_HOME=" + dir.path().string()};
    const std::string address = "127.0.0.1:" + std::to_string(port);
    Process keyed({viewerBinary(), "--headless", "--frames", "5", "--key", typed, address},
                  dir.path(), "keyed", env);
    CHECK(keyed.wait(20s) == 0);
    CHECK(keyed.err().find("remembered in") != std::string::npos);
    Process remembered({viewerBinary(), "--headless", "--frames", "5", address}, dir.path(),
                       "remembered", env);
    CHECK(remembered.wait(20s) == 0);
    Process stranger({viewerBinary(), "--headless", "--frames", "5", address}, dir.path(),
                     "stranger", {"XDG_CONFIG_HOME=" + dir.file("elsewhere").string()});
    CHECK(stranger.wait(20s) == 2); // no key known for this server: a usage error
    CHECK(stranger.err().find("no pairing key for " + address) != std::string::npos);
    server.signal(SIGTERM);
    CHECK(server.wait(10s) == 0);
}
