// The real viewer window under Xvfb: screenshots, keys, recording, reconnect.

#include <algorithm>
#include <csignal>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include <doctest/doctest.h>

#include "codec/gzip_compressor.h"
#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "protocol/messages.h"
#include "support/printers.h"
#include "support/process.h"
#include "support/scripted_server.h"
#include "support/test_images.h"
#include "support/virtual_display.h"
#include "support/wait_for.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

bool isYellow(int r, int g, int b)
{
    return r > 140 && g > 140 && b < 90;
}
bool isCyan(int r, int g, int b)
{
    return r < 90 && g > 140 && b > 140;
}
bool isBlack(int r, int g, int b)
{
    return r < 20 && g < 20 && b < 20;
}

std::vector<std::string> serverArgs(std::initializer_list<std::string> extra)
{
    std::vector<std::string> args = {serverBinary(), "--stats-interval", "0",   "--size",
                                     "640x360",      "--http",           "off", "--insecure"};
    args.insert(args.end(), extra);
    return args;
}

std::uint16_t portOf(Process& server)
{
    const auto port = startServer(server);
    REQUIRE(port != 0);
    return port;
}

nlohmann::json ffprobe(const TempDir& dir, const std::filesystem::path& file)
{
    const auto result = runTool(
        {"ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,width,height,nb_read_frames", "-of", "json", file.string()},
        dir.path());
    REQUIRE_MESSAGE(result.first == 0, result.second);
    return nlohmann::json::parse(result.second)["streams"][0];
}

// Packets in a (possibly still growing) recording, without decoding them.
int packetsIn(const TempDir& dir, const std::filesystem::path& file)
{
    const auto result = runTool({"ffprobe", "-v", "error", "-count_packets", "-select_streams",
                                 "v:0", "-show_entries", "stream=nb_read_packets", "-of",
                                 "default=noprint_wrappers=1:nokey=1", file.string()},
                                dir.path());
    return result.first == 0 ? std::atoi(result.second.c_str()) : 0;
}

std::size_t occurrences(const std::string& text, const std::string& what)
{
    std::size_t found = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++found;
    return found;
}

bool showsPattern(const Shot& shot)
{
    const int pixels = static_cast<int>(shot.rgb.size() / 3);
    return shot.count(isYellow) > pixels / 100 && shot.count(isCyan) > pixels / 100;
}

// Screenshots until one shows the test pattern (the window has drawn frames),
// within a generous deadline; the last one taken.
Shot waitForPattern(const VirtualDisplay& display, const TempDir& dir, const std::string& name)
{
    Shot shot;
    waitFor(
        [&] {
            shot = screenshot(display, dir, name);
            return showsPattern(shot);
        },
        30s, 100ms);
    return shot;
}

// Screenshots until one differs from `before` by more than `threshold`
// pixels (the picture moves), within a generous deadline; the last one taken.
Shot waitForChange(const VirtualDisplay& display, const TempDir& dir, const std::string& name,
                   const Shot& before, int threshold)
{
    Shot shot;
    waitFor(
        [&] {
            shot = screenshot(display, dir, name);
            return shot.differences(before) > threshold;
        },
        30s, 100ms);
    return shot;
}

} // namespace

TEST_CASE("the window shows the live stream, and it moves")
{
    TempDir dir;
    VirtualDisplay display(dir);
    Process server(serverArgs({"--listen", "127.0.0.1:0"}), dir.path(), "server");
    const auto port = portOf(server);
    Process viewer({viewerBinary(), "--insecure", "--size", "640x360", "--snapshot-dir",
                    dir.path().string(), "127.0.0.1:" + std::to_string(port)},
                   dir.path(), "viewer", display.env());
    REQUIRE(viewer.waitForErr(std::regex("connected to"), 10s));
    const Shot first = waitForPattern(display, dir, "first");
    const int pixels = static_cast<int>(first.rgb.size() / 3);
    const Shot second = waitForChange(display, dir, "second", first, pixels / 200);

    MESSAGE("yellow " << first.count(isYellow) << ", cyan " << first.count(isCyan) << ", black "
                      << first.count(isBlack) << " of " << pixels << "; changed "
                      << first.differences(second));
    CHECK(first.count(isYellow) > pixels / 100); // the test pattern's bars are on screen
    CHECK(first.count(isCyan) > pixels / 100);
    CHECK(first.count(isBlack) < pixels * 3 / 4);    // not a black window
    CHECK(first.differences(second) > pixels / 200); // and it changed: live, not a still

    SUBCASE("s saves the JPEG as received")
    {
        REQUIRE(runTool({"xdotool", "search", "--sync", "--name", "pistream", "windowfocus",
                         "--sync", "%1", "key", "s"},
                        dir.path(), display.env())
                    .first == 0);
        REQUIRE(viewer.waitForErr(std::regex("snapshot saved to"), 10s));
        std::filesystem::path saved;
        for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
            if (entry.path().extension() == ".jpg")
                saved = entry.path();
        REQUIRE_FALSE(saved.empty());
        JpegDecoder decoder;
        JpegInfo info;
        REQUIRE_FALSE(decoder.readHeader(readFile(saved), info));
        CHECK(info.width == 640);
        CHECK(info.height == 360);
    }

    viewer.signal(SIGTERM); // SDL turns it into a quit
    CHECK(viewer.wait(10s) == 0);
}

TEST_CASE("over TLS: the right key shows the picture, a wrong key says so once and stops")
{
    TempDir dir;
    VirtualDisplay display(dir);
    const std::string keyFile = dir.file("pairing.key").string();
    Process server({serverBinary(), "--stats-interval", "0", "--size", "640x360", "--http", "off",
                    "--listen", "127.0.0.1:0", "--key-file", keyFile},
                   dir.path(), "server");
    const std::string address = "127.0.0.1:" + std::to_string(portOf(server));
    auto env = display.env();
    env.push_back("XDG_CONFIG_HOME=" + dir.path().string());

    Process keyed({viewerBinary(), "--size", "640x360", "--key-file", keyFile, address}, dir.path(),
                  "keyed", env);
    REQUIRE(keyed.waitForErr(std::regex("connected to"), 10s));
    const Shot live = waitForPattern(display, dir, "keyed");
    CHECK(live.count(isYellow) > static_cast<int>(live.rgb.size() / 3) / 100); // the pattern
    keyed.signal(SIGTERM);
    CHECK(keyed.wait(10s) == 0);

    Process wrong({viewerBinary(), "--size", "640x360", "--key",
                   "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", address},
                  dir.path(), "wrong", env);
    REQUIRE(wrong.waitForErr(std::regex("wrong key: "), 10s));
    REQUIRE(waitFor([&] { return occurrences(server.err(), "refused: wrong key") >= 1; }, 10s));
    // Not a wait for something to happen but the window in which it must not:
    // a reconnecting viewer would try again after 0.5 s, then 1 s, then 2 s.
    CHECK_FALSE(
        waitFor([&] { return occurrences(server.err(), "refused: wrong key") > 1; }, 3s, 100ms));
    CHECK(wrong.running()); // the window stays, saying why
    const Shot refused = screenshot(display, dir, "wrong");
    CHECK(refused.count(isYellow) == 0); // nothing of the stream
    wrong.signal(SIGTERM);
    CHECK(wrong.wait(10s) == 0);
}

TEST_CASE("--record writes a Matroska MJPEG file players open, even when the viewer is killed")
{
    TempDir dir;
    VirtualDisplay display(dir);
    Process server(serverArgs({"--listen", "127.0.0.1:0", "--fps", "30"}), dir.path(), "server");
    const auto port = portOf(server);
    const auto clean = dir.file("clean.mkv"), killed = dir.file("killed.mkv");
    Process a({viewerBinary(), "--insecure", "--size", "320x180", "--record", clean.string(),
               "127.0.0.1:" + std::to_string(port)},
              dir.path(), "a", display.env());
    Process b({viewerBinary(), "--insecure", "--size", "320x180", "--record", killed.string(),
               "127.0.0.1:" + std::to_string(port)},
              dir.path(), "b", display.env());
    REQUIRE(a.waitForErr(std::regex("recording to"), 10s));
    REQUIRE(b.waitForErr(std::regex("recording to"), 10s));
    // Each frame is on disk before the next arrives: wait until both files
    // hold 30, then stop one cleanly and kill the other.
    CHECK(waitFor([&] { return packetsIn(dir, killed) >= 30 && packetsIn(dir, clean) >= 30; }, 60s,
                  200ms));
    const int beforeKill = packetsIn(dir, killed);
    b.signal(SIGKILL);
    REQUIRE(b.wait(10s));
    a.signal(SIGTERM);
    REQUIRE(a.wait(10s) == 0);
    const auto recorded = a.waitForErr(std::regex("recorded (\\d+) frames"), 1s);
    REQUIRE(recorded);

    for (const auto& file : {clean, killed}) {
        CAPTURE(file);
        const auto stream = ffprobe(dir, file);
        CHECK(stream["codec_name"] == "mjpeg");
        CHECK(stream["width"] == 640);
        CHECK(stream["height"] == 360);
        const int frames = std::stoi(stream["nb_read_frames"].get<std::string>());
        if (file == clean)
            CHECK(frames == std::stoi(*recorded)); // every frame it recorded, no other
        else
            CHECK(frames >= beforeKill); // what was on disk before the kill is all readable
        CHECK(frames >= 30);
        // Every frame decodes.
        const auto [code, out] =
            runTool({"ffmpeg", "-v", "error", "-i", file.string(), "-f", "null", "-"}, dir.path());
        CHECK(code == 0);
    }
}

TEST_CASE("the viewer keeps its window through a server restart and shows frames again")
{
    TempDir dir;
    VirtualDisplay display(dir);
    auto server =
        std::make_unique<Process>(serverArgs({"--listen", "127.0.0.1:0"}), dir.path(), "server1");
    const auto port = portOf(*server);
    Process viewer(
        {viewerBinary(), "--insecure", "--size", "640x360", "127.0.0.1:" + std::to_string(port)},
        dir.path(), "viewer", display.env());
    REQUIRE(viewer.waitForErr(std::regex("connected to"), 10s));
    CHECK(showsPattern(waitForPattern(display, dir, "up"))); // on screen before the server goes
    server->signal(SIGTERM);
    REQUIRE(server->wait(10s) == 0);
    // A retry into nothing: the first attempt's retry has failed too.
    CHECK(waitFor([&] { return occurrences(viewer.err(), "reconnecting in") >= 2; }, 20s));
    const Shot down = screenshot(display, dir, "down");
    CHECK(down.count(isYellow) > 0); // the last picture stays on screen

    server = std::make_unique<Process>(
        serverArgs({"--listen", "127.0.0.1:" + std::to_string(port)}), dir.path(), "server2");
    REQUIRE(startServer(*server) == port);
    // The viewer, never restarted, connects again and the picture moves again.
    CHECK(waitFor([&] { return occurrences(viewer.err(), "connected to") >= 2; }, 30s, 100ms));
    CHECK(occurrences(viewer.err(), "connected to") == 2);
    const Shot first = screenshot(display, dir, "again1");
    const Shot second = waitForChange(display, dir, "again2", first, 0);
    CHECK(first.differences(second) > 0);
    CHECK(viewer.running());
}

TEST_CASE(
    "hostile servers: the real viewer logs each, stays up with bounded memory, and streams after")
{
    using Bytes = std::vector<std::uint8_t>;
    const auto frame = [](std::uint64_t sequence, int width, int height, const Bytes& payload,
                          bool gzip, std::uint32_t jpegLength) {
        FrameHeader header{sequence,
                           1,
                           1,
                           static_cast<std::uint16_t>(width),
                           static_cast<std::uint16_t>(height),
                           static_cast<std::uint8_t>(gzip ? kFrameFlagGzip : 0),
                           jpegLength};
        const auto head = encodeFrameHeader(header, payload.size());
        Bytes out(head.begin(), head.end());
        out.insert(out.end(), payload.begin(), payload.end());
        return out;
    };
    const auto join = [](std::initializer_list<Bytes> parts) {
        Bytes out;
        for (const auto& part : parts)
            out.insert(out.end(), part.begin(), part.end());
        return out;
    };
    const Bytes hello = encode(Hello{1, 0, Codec::Jpeg, 160, 120, 30, 1, {}});
    Bytes jpeg;
    {
        JpegEncoder encoder(80);
        ByteBuffer out;
        encoder.encode(makePicture(160, 120, 0, 2).frame(), out);
        jpeg.assign(out.data(), out.data() + out.size());
    }
    // Headers intact (so it passes the check before decoding), entropy-coded
    // data after the start of scan zeroed: the decoder fails, the frame is skipped.
    Bytes corrupt = jpeg;
    const std::array<std::uint8_t, 2> startOfScan{0xFF, 0xDA};
    const auto scan =
        std::search(corrupt.begin(), corrupt.end(), startOfScan.begin(), startOfScan.end());
    REQUIRE(scan != corrupt.end());
    std::fill(scan + 20, corrupt.end() - 2, 0);
    Bytes bomb;
    {
        GzipCompressor compressor(9, GzipStrategy::Default);
        ByteBuffer packed;
        compressor.compress(Bytes(64u << 20, 0), packed);
        bomb.assign(packed.data(), packed.data() + packed.size());
    }
    Bytes good = hello;
    for (std::uint64_t i = 0; i < 300; ++i) {
        const auto f = frame(i, 160, 120, jpeg, false, static_cast<std::uint32_t>(jpeg.size()));
        good.insert(good.end(), f.begin(), f.end());
    }
    const std::vector<Bytes> scripts = {
        join({hello, frame(1, 160, 120, corrupt, false, static_cast<std::uint32_t>(corrupt.size())),
              Bytes{0xFF, 0xFF, 0xFF, 0xFF}}), // corrupt JPEG, then junk
        join({hello, frame(1, 320, 240, jpeg, false,
                           static_cast<std::uint32_t>(jpeg.size()))}), // wrong size
        join({hello, frame(1, 65535, 65535, jpeg, false,
                           static_cast<std::uint32_t>(jpeg.size()))}), // huge
        join({hello, frame(1, 160, 120, bomb, true, 1000)}),           // gzip bomb
        join({hello, Bytes{0x00, 0x80, 0x00, 0x01}}),                  // over the 8 MiB cap
        good,
    };
    ScriptedServer server(scripts, 8000ms);
    TempDir dir;
    VirtualDisplay display(dir);
    Process viewer({viewerBinary(), "--insecure", "--size", "320x240",
                    "127.0.0.1:" + std::to_string(server.port())},
                   dir.path(), "viewer", display.env());
    REQUIRE(waitFor([&] { return server.connections() >= 6; }, 60s, 100ms));
    // Each hostile server's reason logged, and the good stream's frames on screen.
    const std::vector<std::string> reasons = {
        "frame 1 skipped: JPEG decode failed", "JPEG size differs",
        "frame width or height is zero or over the limit", "inflates past the declared JPEG length",
        "message length over the cap"};
    waitFor(
        [&] {
            const std::string log = viewer.err();
            return std::all_of(reasons.begin(), reasons.end(), [&](const std::string& reason) {
                return log.find(reason) != std::string::npos;
            });
        },
        30s, 100ms);
    Shot shot;
    waitFor(
        [&] {
            shot = screenshot(display, dir, "after");
            return shot.count(isBlack) < static_cast<int>(shot.rgb.size() / 3);
        },
        30s, 100ms);

    const std::string log = viewer.err();
    INFO(log);
    CHECK(log.find("frame 1 skipped: JPEG decode failed") != std::string::npos);
    CHECK(log.find("JPEG size differs") != std::string::npos);
    CHECK(log.find("frame width or height is zero or over the limit") != std::string::npos);
    CHECK(log.find("inflates past the declared JPEG length") != std::string::npos);
    CHECK(log.find("message length over the cap") != std::string::npos);
    CHECK(viewer.running());
    MESSAGE("viewer RSS after the hostile servers: " << viewer.rssKb() << " KiB");
#ifndef PISTREAM_SANITIZED
    // (Under ASan, shadow memory and redzones double the software renderer's
    // heap; test_hostile bounds the viewer's memory there, headless.)
    CHECK(viewer.rssKb() < 200 * 1024); // the 64 MiB bomb was never inflated
#endif
    CHECK(shot.count(isBlack) <
          static_cast<int>(shot.rgb.size() / 3)); // the good stream is on screen
    viewer.signal(SIGTERM);
    CHECK(viewer.wait(10s) == 0);
}

namespace {

// The part of a screenshot in columns [left, right) and rows [top, bottom)
// of its 80x60 pixels.
Shot part(const Shot& shot, int left, int top, int right, int bottom)
{
    Shot out;
    for (int y = top; y < bottom; ++y)
        for (int x = left; x < right; ++x) {
            const auto at = static_cast<std::size_t>((y * 80 + x) * 3);
            if (at + 2 < shot.rgb.size())
                out.rgb.insert(out.rgb.end(), shot.rgb.begin() + static_cast<std::ptrdiff_t>(at),
                               shot.rgb.begin() + static_cast<std::ptrdiff_t>(at + 3));
        }
    return out;
}

// The wall's cells in the 800x600 screen the window fills: three cameras
// make a grid of 2 x 2 (wallLayout), the last cell empty.
Shot cell(const Shot& shot, int index)
{
    const int left = index % 2 == 0 ? 0 : 40;
    const int top = index < 2 ? 0 : 30;
    return part(shot, left + 2, top + 2, left + 38, top + 28); // clear of the borders
}

bool cellShowsPattern(const Shot& shot, int index)
{
    const Shot one = cell(shot, index);
    return one.count(isYellow) > 10 && one.count(isCyan) > 10;
}

} // namespace

TEST_CASE("the wall: three cameras in tiles, one down leaves the others live, focus and back, "
          "half size where it covers a tile")
{
    TempDir dir;
    VirtualDisplay display(dir);
    std::vector<std::unique_ptr<Process>> servers;
    std::vector<std::string> addresses;
    // Alpha's half size, 640x360, covers its 400x225 picture in a tile of
    // 400x300: it asks for and gets the half-size rung (protocol 1.3).
    const std::vector<std::pair<std::string, std::string>> cameras = {
        {"Alpha", "1280x720"}, {"Bravo", "320x240"}, {"Charlie", "480x270"}};
    for (const auto& camera : cameras) {
        servers.push_back(std::make_unique<Process>(
            std::vector<std::string>{serverBinary(), "--stats-interval", "0", "--http", "off",
                                     "--insecure", "--no-announce", "--listen", "127.0.0.1:0",
                                     "--size", camera.second, "--name", camera.first},
            dir.path(), camera.first));
        addresses.push_back("127.0.0.1:" + std::to_string(portOf(*servers.back())));
    }
    Process viewer({viewerBinary(), "--insecure", "--size", "800x600", "--snapshot-dir",
                    dir.path().string(), addresses[0], addresses[1], addresses[2]},
                   dir.path(), "viewer", display.env());
    for (const auto& camera : cameras)
        REQUIRE(viewer.waitForErr(std::regex("connected to " + camera.first + " at"), 10s));

    // Three tiles with the test pattern in them, and the fourth cell empty.
    Shot wall;
    REQUIRE(waitFor(
        [&] {
            wall = screenshot(display, dir, "wall");
            return cellShowsPattern(wall, 0) && cellShowsPattern(wall, 1) &&
                   cellShowsPattern(wall, 2);
        },
        30s, 100ms));
    const Shot empty = cell(wall, 3);
    CHECK(empty.count(isBlack) == static_cast<int>(empty.rgb.size() / 3));
    // Each tile moves.
    for (int index = 0; index < 3; ++index) {
        CAPTURE(index);
        CHECK(waitFor(
            [&] {
                return cell(screenshot(display, dir, "moving"), index)
                           .differences(cell(wall, index)) > 0;
            },
            30s, 100ms));
    }

    // Bravo goes: its tile says so, Alpha and Charlie go on.
    servers[1]->signal(SIGTERM);
    REQUIRE(servers[1]->wait(10s) == 0);
    REQUIRE(
        viewer.waitForErr(std::regex("connection to " + addresses[1] + ".*reconnecting in"), 20s));
    const Shot down = screenshot(display, dir, "down");
    const Shot later = waitForChange(display, dir, "later", down, 0);
    CHECK(cell(later, 0).differences(cell(down, 0)) + cell(later, 2).differences(cell(down, 2)) >
          0);
    CHECK(cell(down, 1).count(isYellow) > 0); // the last picture stays under the banner
    CHECK(occurrences(viewer.err(), "connection to " + addresses[0]) == 0);
    CHECK(occurrences(viewer.err(), "connection to " + addresses[2]) == 0);

    // 3 shows Charlie full window: its picture fills the empty cell too;
    // Esc brings the wall back.
    const auto key = [&](const std::string& name) {
        REQUIRE(runTool({"xdotool", "search", "--sync", "--name", "pistream", "windowfocus",
                         "--sync", "%1", "key", name},
                        dir.path(), display.env())
                    .first == 0);
    };
    key("3");
    CHECK(waitFor([&] { return cellShowsPattern(screenshot(display, dir, "focused"), 3); }, 20s,
                  100ms));
    key("Escape");
    CHECK(waitFor(
        [&] {
            const Shot back = cell(screenshot(display, dir, "back"), 3);
            return back.count(isBlack) == static_cast<int>(back.rgb.size() / 3);
        },
        20s, 100ms));
    CHECK(viewer.running());

    // s from the wall: one snapshot per camera that has a picture.
    key("s");
    REQUIRE(waitFor([&] { return occurrences(viewer.err(), "snapshot saved to") >= 2; }, 10s));
    int saved = 0, alphaSnapshots = 0;
    const std::string alphaPrefix = "pistream-127.0.0.1_" + std::to_string(portOf(*servers[0]));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        if (entry.path().extension() != ".jpg")
            continue;
        ++saved;
        if (entry.path().filename().string().rfind(alphaPrefix, 0) == 0) {
            ++alphaSnapshots;
            // The picture as received: Alpha's half size.
            const auto picture = ffprobe(dir, entry.path());
            CHECK(picture["width"] == 640);
            CHECK(picture["height"] == 360);
        }
    }
    CHECK(saved >= 2);
    CHECK(alphaSnapshots == 1);

    // r from the wall: every camera records into a file of its own, named
    // after it; r again stops them all (Bravo, down, never got a frame to record).
    key("r");
    REQUIRE(waitFor([&] { return occurrences(viewer.err(), "recording to") >= 2; }, 20s, 100ms));
    key("r");
    REQUIRE(waitFor([&] { return occurrences(viewer.err(), "recorded ") >= 2; }, 20s, 100ms));
    CHECK(occurrences(viewer.err(), "recording to") == 2);
    // In the viewer's working directory (as the single window's r): checked, then removed.
    const std::string log = viewer.err();
    const std::regex recording("recording to (pistream-[^\\s]+\\.mkv)");
    std::set<std::string> files;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), recording);
         it != std::sregex_iterator(); ++it)
        files.insert((*it)[1].str());
    CHECK(files.size() == 2); // one file per camera
    CHECK(std::count_if(files.begin(), files.end(), [&](const std::string& file) {
              return file.rfind(alphaPrefix, 0) == 0;
          }) == 1);
    for (const std::string& file : files) {
        CAPTURE(file);
        CHECK(file.rfind("pistream-127.0.0.1_", 0) == 0); // named after the address given
        CHECK(std::filesystem::exists(file));
        if (file.rfind(alphaPrefix, 0) == 0) {
            // A recording asks for the camera's own size and starts with it.
            const auto stream = ffprobe(dir, file);
            CHECK(stream["width"] == 1280);
            CHECK(stream["height"] == 720);
        }
        std::filesystem::remove(file);
    }

    viewer.signal(SIGTERM);
    CHECK(viewer.wait(10s) == 0);
}

TEST_CASE("the wall: a camera sending garbage changes its own tile only")
{
    using Bytes = std::vector<std::uint8_t>;
    // A 1.1 hello whose name is hostile text, then frames that are no
    // pictures, then junk: every connection, over and over.
    const Bytes hello = encode(Hello{1, 1, Codec::Jpeg, 160, 120, 30, 1, "evil\x1b[2J\nname"});
    Bytes garbage = hello;
    {
        const Bytes payload(2000, 0x55);
        const auto head =
            encodeFrameHeader(FrameHeader{1, 1, 1, 160, 120, 0, 2000}, payload.size());
        garbage.insert(garbage.end(), head.begin(), head.end());
        garbage.insert(garbage.end(), payload.begin(), payload.end());
        garbage.insert(garbage.end(), {0xFF, 0xFF, 0xFF, 0xFF, 0x42});
    }
    ScriptedServer hostile({garbage}, 500ms);
    TempDir dir;
    VirtualDisplay display(dir);
    Process good(serverArgs({"--listen", "127.0.0.1:0", "--name", "Good", "--no-announce"}),
                 dir.path(), "good");
    const std::string goodAddress = "127.0.0.1:" + std::to_string(portOf(good));
    const std::string hostileAddress = "127.0.0.1:" + std::to_string(hostile.port());
    Process viewer({viewerBinary(), "--insecure", "--size", "800x600", goodAddress, hostileAddress},
                   dir.path(), "viewer", display.env());
    REQUIRE(viewer.waitForErr(std::regex("connected to Good at"), 10s));
    // The hostile camera is dropped and retried several times...
    REQUIRE(waitFor([&] { return hostile.connections() >= 3; }, 30s, 100ms));
    // ...while the good one's tile (the first cell) shows its pattern and moves.
    Shot before;
    REQUIRE(waitFor(
        [&] {
            before = screenshot(display, dir, "before");
            return cellShowsPattern(before, 0);
        },
        30s, 100ms));
    CHECK(waitFor(
        [&] { return cell(screenshot(display, dir, "after"), 0).differences(cell(before, 0)) > 0; },
        30s, 100ms));
    const std::string log = viewer.err();
    CHECK(occurrences(log, "connection to " + goodAddress) == 0); // never dropped
    CHECK(occurrences(log, "connection to " + hostileAddress) >= 2);
    CHECK(log.find("evil\\x1b") != std::string::npos); // its name, escaped
    CHECK(log.find('\x1b') == std::string::npos);
    CHECK(viewer.running());
    viewer.signal(SIGTERM);
    CHECK(viewer.wait(10s) == 0);
}
