// End to end: the real pistream-server and pistream-viewer over loopback.

#include <algorithm>
#include <csignal>
#include <nlohmann/json.hpp>
#include <sys/statvfs.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "protocol/messages.h"
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
    const std::uint16_t port = startServer(server);
    REQUIRE(port != 0);
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

    // A viewer that connects while the event lasts is told at once (EVENT, 1.1).
    Process viewer(viewerArgs(port, {"--frames", "10"}), dir.path(), "viewer");
    REQUIRE(viewer.wait(30s) == 0);
    INFO(viewer.err());
    CHECK(viewer.err().find("protocol 1." + std::to_string(kVersionMinor)) != std::string::npos);
    CHECK(std::regex_search(viewer.err(),
                            std::regex(R"(motion 1 (started|since) \d\d:\d\d:\d\d, \d+\.\d%)")));
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
        {{serverBinary(), "--record", "sometimes"}, 2, "--record"},
        {{serverBinary(), "--retain-size", "8X"}, 2, "--retain-size"},
        {{serverBinary(), "--pre-roll", "-1"}, 2, "--pre-roll"},
        {{serverBinary(), "--segment", "0"}, 2, "--segment"},
        {{serverBinary(), "--source", "test", "--record", "motion", "--record-dir",
          (dataDir() / "README.md" / "recordings").string()},
         1,
         "cannot record to "},
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

namespace {

// ffprobe's view of a file: the first video stream's packets' times.
struct Probed {
    int code = -1;
    int packets = 0;
    double firstSeconds = 0, lastSeconds = 0;
    int width = 0;
};

Probed probe(const TempDir& dir, const std::filesystem::path& file)
{
    const auto [code, out] =
        runTool({"ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                 "packet=pts_time:stream=width", "-of", "json", file.string()},
                dir.path());
    Probed probed;
    probed.code = code;
    if (code != 0)
        return probed;
    const auto json = nlohmann::json::parse(out, nullptr, false);
    if (json.is_discarded())
        return probed;
    if (json.contains("streams") && !json["streams"].empty())
        probed.width = json["streams"][0].value("width", 0);
    if (json.contains("packets"))
        for (const auto& packet : json["packets"]) {
            const double seconds = std::stod(packet.value("pts_time", "0"));
            if (probed.packets++ == 0)
                probed.firstSeconds = seconds;
            probed.lastSeconds = seconds;
        }
    return probed;
}

std::vector<std::filesystem::path> recordedFiles(const std::filesystem::path& dir,
                                                 const std::string& extension)
{
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error))
        if (entry.path().extension() == extension)
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

TEST_CASE("--record motion writes a clip with pre-roll and post-roll that survives kill -9")
{
    TempDir dir;
    const auto footage = movingFootage(dir);
    const auto recordings = dir.path() / "recordings";
    const std::vector<std::string> args = {
        serverBinary(), "--listen",   "127.0.0.1:0",      "--http",
        "127.0.0.1:0",  "--insecure", "--source",         "y4m:" + footage.string(),
        "--record",     "motion",     "--record-dir",     recordings.string(),
        "--pre-roll",   "2",          "--post-roll",      "2",
        "--event-gap",  "1",          "--stats-interval", "0"};
    std::int64_t startMs = 0, endMs = 0;
    {
        Process server(args, dir.path(), "server");
        REQUIRE(startServer(server) != 0);
        const auto http = httpPortOf(server);
        REQUIRE(http != 0);
        CHECK(server.waitForErr(std::regex("--record motion: motion detection turned on"), 10s));
        // The first movement: one event, its clip closed after the post-roll.
        nlohmann::json status;
        CHECK(waitFor(
            [&] {
                status = serverStatus(http).value_or(nlohmann::json{});
                return status.contains("recording") && status["recording"]["files"] == 1 &&
                       status["recording"]["writing"] == false &&
                       !status["motion"]["lastEvent"].is_null() &&
                       !status["motion"]["lastEvent"]["endMs"].is_null();
            },
            60s));
        INFO(status.dump());
        REQUIRE(status["motion"]["events"] == 1);
        startMs = status["motion"]["lastEvent"]["startMs"].get<std::int64_t>();
        endMs = status["motion"]["lastEvent"]["endMs"].get<std::int64_t>();
        CHECK(status["recording"]["framesDropped"] == 0);

        const auto clips = recordedFiles(recordings, ".mkv");
        REQUIRE(clips.size() == 1);
        const Probed clip = probe(dir, clips[0]);
        CHECK(clip.code == 0);
        CHECK(clip.width == 160);
        // Pre-roll (2 s) + the event + post-roll (2 s), as the footage's own
        // capture times say; a little slack for when the io thread saw it.
        const double event = static_cast<double>(endMs - startMs) / 1000;
        const double length = clip.lastSeconds - clip.firstSeconds;
        CHECK(length >= event + 2 + 2 - 0.5);
        CHECK(length <= event + 2 + 2 + 1.5);
        const auto thumbnails = recordedFiles(recordings, ".jpg");
        REQUIRE(thumbnails.size() == 1);
        CHECK(thumbnails[0].stem() == clips[0].stem());
        CHECK(probe(dir, thumbnails[0]).width == 160); // a JPEG that decodes

        // The footage loops: kill -9 in the middle of the next clip.
        CHECK(waitFor(
            [&] {
                status = serverStatus(http).value_or(nlohmann::json{});
                return status.contains("recording") && status["recording"]["files"] == 2 &&
                       status["recording"]["writing"] == true &&
                       status["recording"]["framesWritten"].get<int>() > clip.packets + 25;
            },
            60s));
        server.signal(SIGKILL);
        server.wait(10s);
    }
    const auto clips = recordedFiles(recordings, ".mkv");
    REQUIRE(clips.size() == 2);
    const Probed cut = probe(dir, clips[1]);
    CHECK(cut.code == 0); // plays up to its last frame
    CHECK(cut.packets > 20);

    // A restart repairs the index: the second event, left open, ends at its
    // last frame, and both are listed. (Continuous recording of the test
    // pattern this time: the index is the same, and no new event can come.)
    Process again({serverBinary(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--insecure",
                   "--source", "test", "--size", "160x120", "--record", "continuous",
                   "--record-dir", recordings.string(), "--stats-interval", "0"},
                  dir.path(), "again");
    REQUIRE(startServer(again) != 0);
    CHECK(again.waitForErr(std::regex("index repaired.* 1 event left open ended"), 10s));
    const auto http = httpPortOf(again);
    REQUIRE(http != 0);
    const auto events = httpGet(http, "/api/events?limit=10");
    REQUIRE(events);
    const auto json = nlohmann::json::parse(*events);
    INFO(json.dump());
    REQUIRE(json["events"].size() == 2);
    CHECK(json["events"][1]["startMs"] == startMs);
    CHECK(json["events"][1]["endMs"] == endMs);
    CHECK(json["events"][0]["endMs"].get<std::int64_t>() >
          json["events"][0]["startMs"].get<std::int64_t>());
    const std::string id = std::to_string(json["events"][1]["id"].get<std::int64_t>());
    CHECK(json["events"][1]["clip"] == "/events/" + id + "/clip.mkv");
    const auto clipBytes = httpGet(http, "/events/" + id + "/clip.mkv");
    REQUIRE(clipBytes);
    CHECK(clipBytes->size() == std::filesystem::file_size(clips[0]));
}

TEST_CASE("continuous recording on a full filesystem deletes the oldest and the stream goes on")
{
    if (geteuid() != 0) {
        MESSAGE("skipped: mounting a tiny tmpfs needs root");
        return;
    }
    TempDir dir;
    const auto small = dir.path() / "small";
    std::filesystem::create_directories(small);
    if (runTool({"mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", small.string()}, dir.path())
            .first != 0) {
        MESSAGE("skipped: cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?)");
        return;
    }
    struct Unmount {
        std::filesystem::path path;
        ~Unmount() { runTool({"umount", "-l", path.string()}, path.parent_path()); }
    } unmount{small};

    // About 0.5 MB/s of JPEGs into 3 MB, in 2 s segments.
    Process server({serverBinary(), "--listen",   "127.0.0.1:0",      "--http",
                    "127.0.0.1:0",  "--insecure", "--stats-interval", "1",
                    "--source",     "test",       "--size",           "320x240",
                    "--quality",    "95",         "--record",         "continuous",
                    "--segment",    "2",          "--record-dir",     small.string()},
                   dir.path(), "server");
    REQUIRE(startServer(server) != 0);
    const auto http = httpPortOf(server);
    REQUIRE(http != 0);
    nlohmann::json status;
    CHECK(waitFor(
        [&] {
            status = serverStatus(http).value_or(nlohmann::json{});
            return status.contains("recording") && status["recording"]["deleted"].get<int>() >= 3;
        },
        90s));
    INFO(status.dump());
    const int encoded = status["frames"]["encoded"].get<int>();
    const int written = status["recording"]["framesWritten"].get<int>();
    // The stream goes on, and so does the recording.
    CHECK(waitFor(
        [&] {
            status = serverStatus(http).value_or(nlohmann::json{});
            return status["frames"]["encoded"].get<int>() > encoded + 30 &&
                   status["recording"]["framesWritten"].get<int>() > written + 30;
        },
        30s));
    CHECK(server.running());
    CHECK(httpGet(http, "/health"));
    struct statvfs fs {};
    REQUIRE(statvfs(small.c_str(), &fs) == 0);
    MESSAGE("free " << fs.f_bavail * fs.f_frsize << " of " << fs.f_blocks * fs.f_frsize
                    << " bytes; write errors " << status["recording"]["writeErrors"]);
    if (status["recording"]["writeErrors"].get<int>() > 0)
        CHECK(server.waitForErr(std::regex("recording: .*No space left on device"), 5s));
    // Only our files are there, the newest kept.
    int segments = 0;
    for (const auto& entry : std::filesystem::directory_iterator(small)) {
        const std::string name = entry.path().filename().string();
        CAPTURE(name);
        CHECK((name.starts_with("segment-") || name.starts_with("events.sqlite3")));
        segments += name.starts_with("segment-");
    }
    CHECK(segments >= 1);
    server.signal(SIGTERM);
    CHECK(server.wait(10s) == 0);
}

TEST_CASE("a recording that hits ENOSPC is closed, the oldest deleted, and writing goes on")
{
    if (geteuid() != 0) {
        MESSAGE("skipped: mounting a tiny tmpfs needs root");
        return;
    }
    TempDir dir;
    const auto small = dir.path() / "small";
    std::filesystem::create_directories(small);
    if (runTool({"mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", small.string()}, dir.path())
            .first != 0) {
        MESSAGE("skipped: cannot mount a tmpfs here (a container without CAP_SYS_ADMIN?)");
        return;
    }
    struct Unmount {
        std::filesystem::path path;
        ~Unmount() { runTool({"umount", "-l", path.string()}, path.parent_path()); }
    } unmount{small};
    // Someone else's 2 MB: never ours to delete, so a one-minute segment
    // runs into a full filesystem within seconds.
    writeFile(small / "not-ours.bin", std::vector<std::uint8_t>(2 << 20, 0x55));

    Process server({serverBinary(), "--listen",   "127.0.0.1:0",      "--http",
                    "127.0.0.1:0",  "--insecure", "--stats-interval", "0",
                    "--source",     "test",       "--size",           "320x240",
                    "--quality",    "95",         "--record",         "continuous",
                    "--segment",    "60",         "--record-dir",     small.string()},
                   dir.path(), "server");
    REQUIRE(startServer(server) != 0);
    const auto http = httpPortOf(server);
    REQUIRE(http != 0);
    nlohmann::json status;
    CHECK(waitFor(
        [&] {
            status = serverStatus(http).value_or(nlohmann::json{});
            return status.contains("recording") &&
                   status["recording"]["writeErrors"].get<int>() >= 2 &&
                   status["recording"]["files"].get<int>() >= 3;
        },
        90s));
    INFO(status.dump());
    CHECK(server.waitForErr(std::regex("recording: .*No space left on device.*the stream goes on"),
                            5s));
    const int encoded = status["frames"]["encoded"].get<int>();
    const int written = status["recording"]["framesWritten"].get<int>();
    CHECK(waitFor(
        [&] {
            status = serverStatus(http).value_or(nlohmann::json{});
            return status["frames"]["encoded"].get<int>() > encoded + 30 &&
                   status["recording"]["framesWritten"].get<int>() > written + 30;
        },
        30s));
    CHECK(status["recording"]["deleted"].get<int>() >= 1);
    CHECK(std::filesystem::exists(small / "not-ours.bin"));
    server.signal(SIGTERM);
    CHECK(server.wait(10s) == 0);
    // One line for the errors, however many there were (at most one per 30 s).
    const std::string err = server.err();
    std::size_t lines = 0;
    for (auto at = err.find("No space left"); at != std::string::npos;
         at = err.find("No space left", at + 1))
        ++lines;
    CHECK(lines == 1);
}
