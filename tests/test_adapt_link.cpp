// Adaptive quality end to end: the real server and a headless viewer in a
// network namespace behind a token bucket (tc tbf), as a weak Wi-Fi link. The
// viewer's rung must go down while the link is too slow for the full rung and
// come back once it is not. Needs root (ip netns); without it the test says
// it is skipped and passes.

#include <csignal>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include <doctest/doctest.h>

#include "codec/jpeg_syntax.h"
#include "support/process.h"
#include "support/test_images.h"
#include "support/wait_for.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

// A namespace joined by a veth pair; the server side's egress (server ->
// viewer) goes through tbf at `rate`. Torn down by the destructor.
class ShapedLink {
public:
    static constexpr const char* kServer = "10.214.0.1";

    ShapedLink(const TempDir& dir, const std::string& rate) : dir_(dir)
    {
        if (::geteuid() != 0) {
            skip_ = "needs root for ip netns and tc";
            return;
        }
        netns_ = "pistream-adapt-" + std::to_string(::getpid());
        outer_ = "psa" + std::to_string(::getpid() % 100000);
        made_ = run({"ip", "netns", "add", netns_}) &&
                run({"ip", "link", "add", outer_, "type", "veth", "peer", "name", outer_ + "i"}) &&
                run({"ip", "link", "set", outer_ + "i", "netns", netns_}) &&
                run({"ip", "addr", "add", std::string(kServer) + "/24", "dev", outer_}) &&
                run({"ip", "link", "set", outer_, "up"}) &&
                run(wrap({"ip", "addr", "add", "10.214.0.2/24", "dev", outer_ + "i"})) &&
                run(wrap({"ip", "link", "set", outer_ + "i", "up"})) && shape("add", rate);
        if (!made_ && skip_.empty())
            skip_ = "could not make the namespace";
    }
    ~ShapedLink()
    {
        if (!netns_.empty()) {
            runTool({"ip", "link", "del", outer_}, dir_.path());
            runTool({"ip", "netns", "del", netns_}, dir_.path());
        }
    }
    ShapedLink(const ShapedLink&) = delete;
    ShapedLink& operator=(const ShapedLink&) = delete;

    bool ok() const { return skip_.empty(); }
    const std::string& skipReason() const { return skip_; }
    std::vector<std::string> wrap(std::vector<std::string> argv) const
    {
        argv.insert(argv.begin(), {"ip", "netns", "exec", netns_});
        return argv;
    }
    bool shape(const std::string& verb, const std::string& rate)
    {
        return run({"tc", "qdisc", verb, "dev", outer_, "root", "tbf", "rate", rate, "burst",
                    "32kbit", "latency", "400ms"});
    }

private:
    bool run(std::vector<std::string> argv)
    {
        return runTool(std::move(argv), dir_.path()).first == 0;
    }

    const TempDir& dir_;
    std::string netns_, outer_, skip_;
    bool made_ = false;
};

// The width of each JPEG in an MJPEG stream saved to `file`, from byte `from` on.
std::vector<int> widthsIn(const std::filesystem::path& file, std::size_t from = 0)
{
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                          std::istreambuf_iterator<char>()};
    std::vector<int> widths;
    for (std::size_t i = from; i + 1 < bytes.size(); ++i) {
        if (bytes[i] != 0xFF || bytes[i + 1] != 0xD8)
            continue;
        JpegHeader header;
        if (readJpegHeader(std::span(bytes).subspan(i), header) == JpegSyntaxError::None)
            widths.push_back(header.width);
    }
    return widths;
}

bool has(const std::vector<int>& values, int value)
{
    return std::find(values.begin(), values.end(), value) != values.end();
}

} // namespace

TEST_CASE("a viewer behind a slow link steps down the ladder, and back up when the link recovers")
{
    TempDir dir;
    ShapedLink link(dir, "1mbit");
    if (!link.ok()) {
        MESSAGE("SKIPPED: " << link.skipReason());
        return;
    }
    // The test pattern at 640x480 is several Mbit/s at full quality: 1 Mbit/s
    // cannot carry it at 30 fps.
    Process server({serverBinary(), "--listen", std::string(ShapedLink::kServer) + ":0",
                    "--insecure", "--http", "off", "--size", "640x480", "--fps", "30", "--adapt",
                    "framerate"},
                   dir.path(), "server");
    const auto port = server.waitForErr(std::regex(R"(listening on 10\.214\.0\.1:(\d+)\n)"), 20s);
    REQUIRE_MESSAGE(port, server.err());
    Process viewer(link.wrap({viewerBinary(), "--headless", "--insecure", "--duration", "120",
                              std::string(ShapedLink::kServer) + ":" + *port}),
                   dir.path(), "viewer", {"SDL_VIDEODRIVER=dummy"});
    // The per-second line names the rung: a smaller one within a generous deadline...
    REQUIRE_MESSAGE(
        viewer.waitForErr(std::regex(R"(fps +[\d.]+ Mbit/s  (lower|half|half-lower)  )"), 60s),
        viewer.err());
    // ... and the full rung again after the link is fast.
    REQUIRE(link.shape("change", "200mbit"));
    const auto before = viewer.err().size();
    CHECK_MESSAGE(
        waitFor([&] { return viewer.err().find(" Mbit/s  full  ", before) != std::string::npos; },
                120s, 200ms),
        viewer.err());
    viewer.signal(SIGTERM);
    viewer.wait(10s);
}

TEST_CASE("a browser's MJPEG stream behind a slow link steps down to half size, and back up")
{
    TempDir dir;
    ShapedLink link(dir, "1mbit");
    if (!link.ok()) {
        MESSAGE("SKIPPED: " << link.skipReason());
        return;
    }
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--insecure", "--http",
                    std::string(ShapedLink::kServer) + ":0", "--size", "640x480", "--fps", "30",
                    "--adapt", "framerate"},
                   dir.path(), "server");
    const auto port =
        server.waitForErr(std::regex(R"(browsers: http://10\.214\.0\.1:(\d+)/)"), 20s);
    REQUIRE_MESSAGE(port, server.err());
    const auto saved = dir.file("stream.mjpg");
    Process browser(
        link.wrap({"curl", "-s", "--max-time", "240", "-o", saved.string(),
                   "http://" + std::string(ShapedLink::kServer) + ":" + *port + "/stream.mjpg"}),
        dir.path(), "curl");
    // Half size (320 wide) within a generous deadline: the same ladder as a viewer's.
    CHECK_MESSAGE(waitFor([&] { return has(widthsIn(saved), 320); }, 60s, 200ms), server.err());
    // Full size again once the link is fast.
    REQUIRE(link.shape("change", "200mbit"));
    const std::size_t before = std::filesystem::file_size(saved);
    CHECK_MESSAGE(waitFor([&] { return has(widthsIn(saved, before), 640); }, 120s, 200ms),
                  server.err());
    browser.signal(SIGTERM);
    browser.wait(10s);
}
