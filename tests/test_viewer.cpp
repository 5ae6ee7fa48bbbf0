// The viewer's parts that need no window: backoff, the frame slot, letterbox,
// the rate meter and latency window, the recorder, and the pipeline
// reconnecting against good and bad servers.

#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "codec/gzip_compressor.h"
#include "codec/jpeg_encoder.h"
#include "core/backoff.h"
#include "core/rate_meter.h"
#include "decode/frame_decoder.h"
#include "decode/frame_slot.h"
#include "sinks/mkv_recorder.h"
#include "sinks/recorder_sink.h"
#include "stats/latency_window.h"
#include "stats/viewer_stats.h"
#include "stream/viewer_pipeline.h"
#include "support/printers.h"
#include "support/scripted_server.h"
#include "support/test_images.h"
#include "support/wait_for.h"
#include "ui/letterbox.h"
#include "ui/text_wrap.h"
#include "ui/tile_state.h"
#include "ui/wall_layout.h"

extern "C" {
#include <libavformat/avformat.h>
}

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes jpegOf(int width, int height, int seed)
{
    JpegEncoder encoder(80);
    ByteBuffer out;
    encoder.encode(makePicture(width, height, 0, seed).frame(), out);
    return {out.data(), out.data() + out.size()};
}

// The log lines written while it lives (spdlog's default logger, all threads).
class LogCapture {
public:
    LogCapture()
        : previous_(spdlog::default_logger()),
          logger_(std::make_shared<spdlog::logger>(
              "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)))
    {
        logger_->set_pattern("[%l] %v");
        spdlog::set_default_logger(logger_);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    std::string text()
    {
        logger_->flush();
        return text_.str();
    }

private:
    std::ostringstream text_;
    std::shared_ptr<spdlog::logger> previous_;
    std::shared_ptr<spdlog::logger> logger_;
};

Bytes frameMessage(std::uint64_t sequence, const Bytes& jpeg, int width, int height,
                   std::int64_t capture)
{
    FrameHeader header{sequence,
                       capture,
                       capture,
                       static_cast<std::uint16_t>(width),
                       static_cast<std::uint16_t>(height),
                       0,
                       static_cast<std::uint32_t>(jpeg.size())};
    const auto head = encodeFrameHeader(header, jpeg.size());
    Bytes out(head.begin(), head.end());
    out.insert(out.end(), jpeg.begin(), jpeg.end());
    return out;
}

// What libavformat reads back from a recording.
struct Probe {
    bool opened = false;
    AVCodecID codec = AV_CODEC_ID_NONE;
    int width = 0, height = 0;
    int packets = 0;
    std::vector<std::int64_t> pts;
};

Probe probe(const std::filesystem::path& path)
{
    Probe result;
    AVFormatContext* context = nullptr;
    if (avformat_open_input(&context, path.c_str(), nullptr, nullptr) < 0)
        return result;
    result.opened = avformat_find_stream_info(context, nullptr) >= 0 && context->nb_streams == 1;
    if (result.opened) {
        result.codec = context->streams[0]->codecpar->codec_id;
        result.width = context->streams[0]->codecpar->width;
        result.height = context->streams[0]->codecpar->height;
        AVPacket* packet = av_packet_alloc();
        while (av_read_frame(context, packet) >= 0) {
            ++result.packets;
            result.pts.push_back(packet->pts);
            av_packet_unref(packet);
        }
        av_packet_free(&packet);
    }
    avformat_close_input(&context);
    return result;
}

// Counts the pictures the pipeline published, as the window's wake-up does.
class CountingSink : public ViewerSink {
public:
    explicit CountingSink(std::atomic<int>& published) : published_(published) {}
    void onFrame(const SinkFrame&) override {}
    void onNewestPicture() override { ++published_; }

private:
    std::atomic<int>& published_;
};

} // namespace

TEST_CASE("backoff: 0.5 s doubling to 5 s, with bounded jitter, reset on success")
{
    Backoff backoff(500ms, 5000ms, 0.2, 1);
    const int expected[] = {500, 1000, 2000, 4000, 5000, 5000, 5000};
    for (int base : expected) {
        const auto delay = backoff.next().count();
        CHECK(delay >= base * 8 / 10);
        CHECK(delay <= base * 12 / 10);
    }
    backoff.reset();
    CHECK(backoff.next().count() <= 600);
    // Jitter really varies: many viewers do not retry in lock-step.
    Backoff a(500ms, 5000ms, 0.2, 1), b(500ms, 5000ms, 0.2, 2);
    CHECK(a.next() != b.next());
}

TEST_CASE(
    "frame slot: the UI gets the newest frame, and the ones it missed are dropped, not queued")
{
    FrameSlot slot;
    std::unique_ptr<DecodedFrame> front;
    CHECK_FALSE(slot.take(front));
    for (std::uint64_t i = 1; i <= 3; ++i) {
        slot.back().sequence = i;
        slot.publish();
    }
    REQUIRE(slot.take(front));
    CHECK(front->sequence == 3);
    CHECK(slot.dropped() == 2);
    CHECK_FALSE(slot.take(front)); // nothing newer
    // Buffers are recycled: three of them go round, no more.
    std::set<const DecodedFrame*> seen{front.get()};
    for (std::uint64_t i = 4; i < 40; ++i) {
        seen.insert(&slot.back());
        slot.back().sequence = i;
        slot.publish();
        REQUIRE(slot.take(front));
        seen.insert(front.get());
        CHECK(front->sequence == i);
    }
    CHECK(seen.size() == 3);
    CHECK(slot.dropped() == 2);
}

TEST_CASE("rate meter: the rate of a growing total over closed periods, on injected time")
{
    const RateMeter::Clock::time_point t0{};
    RateMeter meter(1s);
    CHECK(meter.update(t0, 100) == 0);                        // the first call only starts a period
    CHECK(meter.update(t0 + 500ms, 115) == 0);                // too short to close
    CHECK(meter.update(t0 + 1s, 130) == doctest::Approx(30)); // 30 over the last second
    CHECK(meter.rate() == doctest::Approx(30));
    CHECK(meter.update(t0 + 1500ms, 200) == doctest::Approx(30)); // still the closed period's
    CHECK(meter.update(t0 + 3s, 190) == doctest::Approx(30));     // (190 - 130) / 2 s
    CHECK(meter.update(t0 + 3s, 500) == doctest::Approx(30));     // no time passed: nothing closes
    meter.reset();
    CHECK(meter.rate() == 0);

    RateMeter everyCall(0s); // the headless line: since the last line, however long
    everyCall.update(t0, 0);
    CHECK(everyCall.update(t0 + 250ms, 8'000'000) == doctest::Approx(32'000'000));
    CHECK(everyCall.update(t0 + 2250ms, 8'000'000) == doctest::Approx(0));
}

TEST_CASE("latency window: bounded memory however long it runs, percentiles of the newest")
{
    LatencyWindow window(100);
    CHECK_FALSE(window.percentile(50));
    CHECK_FALSE(window.max());
    for (int i = 1; i <= 100; ++i)
        window.add(i);
    CHECK(window.percentile(50) == doctest::Approx(50));
    CHECK(window.percentile(99) == doctest::Approx(99));
    CHECK(window.percentile(0) == doctest::Approx(1));
    CHECK(window.percentile(100) == doctest::Approx(100));
    // Days of frames: the ring keeps its size; the count and the maximum cover them all.
    for (int i = 0; i < 1'000'000; ++i)
        window.add(1000 + i % 10);
    CHECK(window.count() == 1'000'100);
    CHECK(window.size() == 100);
    CHECK(window.capacity() == 100);
    CHECK(window.max() == doctest::Approx(1009));
    CHECK(window.percentile(0) >= 1000); // the early samples were forgotten
    CHECK(window.percentile(100) == doctest::Approx(1009));

    // The viewer's statistics keep no more than their window either.
    ViewerStats stats;
    for (std::size_t i = 0; i < ViewerStats::kLatencySamples + 1000; ++i)
        stats.addLatency(5);
    CHECK(stats.latencies().size() == ViewerStats::kLatencySamples);
    CHECK(stats.latencies().count() == ViewerStats::kLatencySamples + 1000);
}

TEST_CASE("letterbox keeps the aspect ratio and centres the picture")
{
    const Rect wide = letterbox(1920, 1080, 640, 480); // 4:3 in 16:9: bars left and right
    CHECK(wide.h == 1080);
    CHECK(wide.w == 1440);
    CHECK(wide.x == 240);
    CHECK(wide.y == 0);
    const Rect tall = letterbox(800, 800, 1280, 720); // 16:9 in a square: bars top and bottom
    CHECK(tall.w == 800);
    CHECK(tall.h == 450);
    CHECK(tall.y == 175);
    const Rect exact = letterbox(1280, 720, 1280, 720);
    CHECK(exact.w == 1280);
    CHECK(exact.x == 0);
    CHECK(letterbox(0, 720, 1280, 720).w == 0);
    CHECK(letterbox(100, 100, 0, 0).w == 0);
}

TEST_CASE("recorder: the JPEGs as received, in Matroska, timed by capture timestamps")
{
    TempDir dir;
    const auto path = dir.file("clip.mkv");
    std::vector<Bytes> jpegs;
    for (int i = 0; i < 3; ++i)
        jpegs.push_back(jpegOf(160, 120, i));
    {
        MkvRecorder recorder(path.string(), 160, 120);
        for (int i = 0; i < 30; ++i)
            recorder.write(jpegs[static_cast<std::size_t>(i % 3)], 5'000'000 + i * 33'333);
        CHECK(recorder.frames() == 30);
    }
    const Probe result = probe(path);
    REQUIRE(result.opened);
    CHECK(result.codec == AV_CODEC_ID_MJPEG);
    CHECK(result.width == 160);
    CHECK(result.height == 120);
    CHECK(result.packets == 30);
    REQUIRE(result.pts.size() == 30);
    CHECK(result.pts.front() == 0);
    CHECK(result.pts.back() == 966); // 29 * 33.333 ms, from the capture timestamps
    CHECK(std::is_sorted(result.pts.begin(), result.pts.end()));

    CHECK_THROWS_WITH_AS(MkvRecorder((dir.path() / "missing" / "x.mkv").string(), 160, 120),
                         doctest::Contains("cannot record to"), std::runtime_error);
}

TEST_CASE("recorder: a recording cut off without closing still plays up to its last frame")
{
    TempDir dir;
    const auto path = dir.file("cut.mkv");
    const Bytes jpeg = jpegOf(160, 120, 1);
    auto recorder = std::make_unique<MkvRecorder>(path.string(), 160, 120);
    for (int i = 0; i < 20; ++i)
        recorder->write(jpeg, i * 40'000);
    // What is on disk now is what a kill -9 would leave: copy it before closing.
    std::filesystem::copy_file(path, dir.file("killed.mkv"));
    recorder.reset();
    const Probe result = probe(dir.file("killed.mkv"));
    REQUIRE(result.opened);
    CHECK(result.codec == AV_CODEC_ID_MJPEG);
    CHECK(result.packets == 20); // every frame written so far is there
}

TEST_CASE("the connection reconnects through refused, hostile and vanishing servers, then streams")
{
    const Bytes hello = encode(Hello{1, 0, Codec::Jpeg, 96, 64, 30, 1, {}});
    const Bytes jpeg = jpegOf(96, 64, 7);
    Bytes good = hello;
    for (std::uint64_t i = 0; i < 50; ++i) {
        const auto frame = frameMessage(i, jpeg, 96, 64, 1000 + static_cast<std::int64_t>(i));
        good.insert(good.end(), frame.begin(), frame.end());
    }
    Bytes corruptJpeg = hello;
    {
        // Headers intact (they pass the client's check), the scan zeroed.
        Bytes broken = jpeg;
        const std::array<std::uint8_t, 2> startOfScan{0xFF, 0xDA};
        const auto scan =
            std::search(broken.begin(), broken.end(), startOfScan.begin(), startOfScan.end());
        REQUIRE(scan != broken.end());
        std::fill(scan + 20, broken.end() - 2, 0x00);
        const auto frame = frameMessage(1, broken, 96, 64, 1);
        corruptJpeg.insert(corruptJpeg.end(), frame.begin(), frame.end());
    }
    const std::vector<Bytes> scripts = {
        {0xFF, 0xFF, 0xFF, 0xFF}, // not even a hello
        [&] {
            Bytes b = hello;
            b.insert(b.end(), {0, 0, 0, 0});
            return b;
        }(),         // length 0
        corruptJpeg, // a frame that will not decode
        Bytes{},     // says nothing, then hangs up
        good,
    };
    ScriptedServer server(scripts, 1500ms);
    PipelineConfig config;
    config.client.server = {"127.0.0.1", server.port()};
    config.client.connectTimeout = 500ms;
    std::atomic<int> published{0};
    ViewerPipeline connection(config);
    FrameSlot& slot = connection.slot();
    CountingSink sink(published);
    connection.addSink(&sink);
    connection.start();

    std::set<std::string> reasons;
    std::unique_ptr<DecodedFrame> front;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline && published < 10) {
        const auto status = connection.status();
        if (status.state == LinkState::Reconnecting)
            reasons.insert(status.detail);
        std::this_thread::sleep_for(5ms);
    }
    const auto status = connection.status();
    connection.stop();

    CHECK(published >= 10);
    CHECK(server.connections() >= 5); // it came back after every failure
    REQUIRE(slot.take(front));
    CHECK(front->image.info.width == 96);
    CHECK(front->jpeg == jpeg);      // the JPEG as it arrived, for snapshots
    CHECK(status.decodeErrors == 1); // the corrupt frame was skipped, not fatal
    CHECK(status.frames >= 10);
    MESSAGE("reasons seen: " << [&] {
        std::string all;
        for (auto& r : reasons)
            all += "[" + r + "] ";
        return all;
    }());
    bool sawTooLarge = false, sawEmpty = false;
    for (const auto& reason : reasons) {
        sawTooLarge |= reason.find("over the cap") != std::string::npos ||
                       reason.find("not allowed") != std::string::npos;
        sawEmpty |= reason.find("length 0") != std::string::npos;
    }
    CHECK(sawTooLarge);
    CHECK(sawEmpty);
}

namespace {

// A received frame for sinks and statistics, without a connection.
ReceivedFrame receivedFrame(const Bytes& jpeg, int width, int height, std::uint64_t sequence,
                            std::int64_t capture)
{
    ReceivedFrame frame;
    frame.header = {sequence,
                    capture,
                    capture,
                    static_cast<std::uint16_t>(width),
                    static_cast<std::uint16_t>(height),
                    0,
                    static_cast<std::uint32_t>(jpeg.size())};
    frame.jpeg = jpeg;
    frame.wireBytes = jpeg.size() + 39;
    return frame;
}

FrameHeader header(std::uint64_t sequence, std::int64_t capture, std::int64_t ready)
{
    return {sequence, capture, ready, 64, 48, 0, 100};
}

} // namespace

TEST_CASE("recorder: a size change goes on in the next file, name-2.mkv, name-3.mkv")
{
    CHECK(recordingPart("/tmp/a/garden.mkv", 1) == "/tmp/a/garden.mkv");
    CHECK(recordingPart("/tmp/a/garden.mkv", 2) == "/tmp/a/garden-2.mkv");
    CHECK(recordingPart("clip", 3) == "clip-3");

    TempDir dir;
    const Bytes small = jpegOf(160, 120, 1);
    const Bytes large = jpegOf(320, 240, 2);
    asio::io_context io; // never run: the sink is called as the pipeline's thread would
    {
        RecorderSink recorder(io, dir.file("garden.mkv").string());
        std::int64_t capture = 0;
        const auto feed = [&](const Bytes& jpeg, int width, int height, int count) {
            for (int i = 0; i < count; ++i) {
                capture += 40'000;
                const auto frame = receivedFrame(jpeg, width, height, 0, capture);
                recorder.onFrame(SinkFrame{frame, nullptr});
            }
        };
        feed(small, 160, 120, 5);
        CHECK(recorder.status().recording == dir.file("garden.mkv").string());
        feed(large, 320, 240, 4); // the server came back at another size
        CHECK(recorder.status().recording == dir.file("garden-2.mkv").string());
        feed(small, 160, 120, 3);
        recorder.onEnded("done", false);
    }
    const std::vector<std::tuple<std::string, int, int, int>> parts = {
        {"garden.mkv", 160, 120, 5}, {"garden-2.mkv", 320, 240, 4}, {"garden-3.mkv", 160, 120, 3}};
    for (const auto& [name, width, height, packets] : parts) {
        const std::string file = name; // (clang 14 cannot capture structured bindings)
        CAPTURE(file);
        const Probe result = probe(dir.file(name));
        REQUIRE(result.opened);
        CHECK(result.width == width);
        CHECK(result.height == height);
        CHECK(result.packets == packets);
    }
}

TEST_CASE("statistics: sequences that repeat or go back are shown, never a gap: bad timestamps "
          "are left out of latency")
{
    ViewerStats stats;
    CHECK(stats.addFrame(header(10, 1000, 1000), 100, 0));
    CHECK(stats.addFrame(header(11, 2000, 2500), 100, 1));
    CHECK(stats.addFrame(header(11, 3000, 3000), 100, 2)); // repeats
    CHECK(stats.addFrame(header(5, 4000, 4000), 100, 3));  // goes back
    CHECK(stats.addFrame(header(6, 5000, 5000), 100, 4));
    CHECK(stats.gaps() == 0);
    CHECK(stats.outOfOrder() == 2);
    CHECK(stats.addFrame(header(0, 6000, 6000), 100, 5)); // back to 0: no u64 "gap"
    CHECK(stats.addFrame(header(3, 7000, 7000), 100, 6)); // 1 and 2 dropped
    CHECK(stats.gaps() == 2);
    CHECK(stats.frames() == 7);

    CHECK_FALSE(stats.addFrame(header(4, 6500, 6500), 100, 7)); // capture went back
    CHECK_FALSE(stats.addFrame(header(5, 8000, 7999), 100, 8)); // ready before capture
    CHECK(stats.addFrame(header(6, 7000, 7000), 100, 9));       // equal to the last good one
    CHECK(stats.untimed() == 2);
    CHECK(stats.toJson()["untimed_frames"] == 2);
    CHECK(stats.frames() == 10);

    stats.restartSequence(); // a new connection: its clock starts afresh
    CHECK(stats.addFrame(header(1, 10, 10), 100, 10));
    CHECK(stats.gaps() == 2);
}

TEST_CASE("hello: an unknown frame rate (0 numerator or denominator) is said so, never inf/nan")
{
    CHECK(describeFrameRate(30, 1) == "30.00 fps");
    CHECK(describeFrameRate(30000, 1001) == "29.97 fps");
    CHECK(describeFrameRate(30, 0) == "unknown fps");
    CHECK(describeFrameRate(0, 1) == "unknown fps");
    CHECK(describeFrameRate(0, 0) == "unknown fps");

    LogCapture log;
    const Bytes jpeg = jpegOf(96, 64, 3);
    Bytes script = encode(Hello{1, 0, Codec::Jpeg, 96, 64, 30, 0, {}});
    for (std::uint64_t i = 0; i < 3; ++i) {
        const auto frame = frameMessage(i, jpeg, 96, 64, 1000 + static_cast<std::int64_t>(i));
        script.insert(script.end(), frame.begin(), frame.end());
    }
    ScriptedServer server({script}, 3000ms);
    PipelineConfig config;
    config.client.server = {"127.0.0.1", server.port()};
    config.reconnect = false;
    ViewerPipeline pipeline(config);
    std::atomic<int> published{0};
    CountingSink sink(published);
    pipeline.addSink(&sink);
    pipeline.start();
    CHECK(waitFor([&] { return published >= 3; }, 10s));
    pipeline.stop();
    const std::string text = log.text();
    INFO(text);
    CHECK(text.find("96x64 @ unknown fps") != std::string::npos);
    CHECK_FALSE(std::regex_search(text, std::regex(R"(\b(inf|nan)\b)", std::regex::icase)));
    CHECK(std::isfinite(pipeline.status().fps));
}

TEST_CASE("frames that are no picture are skipped and counted, and the next good one is shown")
{
    LogCapture log;
    const Bytes jpeg = jpegOf(96, 64, 4);
    Bytes soiAndGarbage = {0xFF, 0xD8};
    soiAndGarbage.resize(600, 0x42);
    Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    png.resize(600, 0x11);
    Bytes damagedScan = jpeg; // headers intact, the scan zeroed
    {
        const std::array<std::uint8_t, 2> startOfScan{0xFF, 0xDA};
        const auto scan = std::search(damagedScan.begin(), damagedScan.end(), startOfScan.begin(),
                                      startOfScan.end());
        REQUIRE(scan != damagedScan.end());
        std::fill(scan + 20, damagedScan.end() - 2, 0x00);
    }
    const std::vector<Bytes> bad = {soiAndGarbage, png, claimingSize(jpeg, 97, 64),
                                    claimingSize(jpeg, 65535, 65535), damagedScan};
    Bytes script = encode(Hello{1, 0, Codec::Jpeg, 96, 64, 30, 1, {}});
    std::uint64_t sequence = 0;
    for (const auto& payload : bad) {
        const auto frame = frameMessage(++sequence, payload, 96, 64, 1000);
        script.insert(script.end(), frame.begin(), frame.end());
    }
    const auto good = frameMessage(++sequence, jpeg, 96, 64, 1000);
    script.insert(script.end(), good.begin(), good.end());

    ScriptedServer server({script}, 3000ms);
    PipelineConfig config;
    config.client.server = {"127.0.0.1", server.port()};
    ViewerPipeline pipeline(config);
    std::atomic<int> published{0};
    CountingSink sink(published);
    pipeline.addSink(&sink);
    pipeline.start();
    REQUIRE(waitFor([&] { return published >= 1; }, 10s));
    const LinkStatus status = pipeline.status();
    pipeline.stop();

    CHECK(published == 1); // only the good frame reached the screen
    std::unique_ptr<DecodedFrame> front;
    REQUIRE(pipeline.slot().take(front));
    CHECK(front->sequence == sequence);
    CHECK(status.decodeErrors == bad.size());
    CHECK(status.frames == bad.size() + 1);
    CHECK(status.state == LinkState::Live);
    CHECK(server.connections() == 1); // never dropped
    const std::string text = log.text();
    INFO(text);
    CHECK(text.find("frame 1 skipped: payload is not a readable JPEG") != std::string::npos);
    CHECK(text.find("frame 3 skipped: JPEG size differs") != std::string::npos);
    CHECK(text.find("frame 5 skipped: JPEG decode failed") != std::string::npos);
    CHECK(text.find("protocol error") == std::string::npos);
}

TEST_CASE("a server's status and bye texts are logged escaped")
{
    LogCapture log;
    const std::string hostile = "\n[viewer] info: done\x1b[2J";
    ScriptedServer server({cat({encode(Hello{1, 0, Codec::Jpeg, 96, 64, 30, 1, {}}),
                                encode(Status{SourceState::Down, hostile}),
                                encode(Bye{ByeReason::Normal, hostile})})},
                          3000ms);
    PipelineConfig config;
    config.client.server = {"127.0.0.1", server.port()};
    config.reconnect = false;
    ViewerPipeline pipeline(config);
    pipeline.start();
    REQUIRE(waitFor([&] { return pipeline.status().state == LinkState::Ended; }, 10s));
    pipeline.stop();
    const std::string text = log.text();
    INFO(text);
    CHECK(text.find("source is down: \\x0a[viewer] info: done\\x1b[2J") != std::string::npos);
    CHECK(pipeline.status().detail == "server said bye: normal (\\x0a[viewer] info: done\\x1b[2J)");
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("\n[viewer]") == std::string::npos);
}

TEST_CASE("text in the window wraps to its width and is cut to its height")
{
    const auto chars = [](const std::string& text) {
        int count = 0;
        for (const char c : text)
            count += (static_cast<unsigned char>(c) & 0xC0) !=
                     0x80; // a UTF-8 character is one unit wide
        return count;
    };
    const std::string reason = "reconnecting: cannot connect to raspberrypi.local:8485: "
                               "Connection refused";
    const auto lines = wrapText({reason}, 20, 10, chars);
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == "reconnecting: cannot");
    CHECK(lines[1] == "connect to");
    CHECK(lines[2] == "raspberrypi.local:84"); // one word wider than the box: cut inside it
    CHECK(lines[3] == "85: Connection");
    CHECK(lines[4] == "refused");

    const auto cut = wrapText({reason}, 20, 2, chars);
    REQUIRE(cut.size() == 2);
    CHECK(cut[1] == "connect to...");
    CHECK(wrapText({"äöü äöü"}, 3, 5, chars) == std::vector<std::string>{"äöü", "äöü"});
    CHECK(wrapText({"short", "", "lines"}, 20, 5, chars) ==
          std::vector<std::string>{"short", "", "lines"});
    CHECK(wrapText({"abc"}, 1, 5, chars) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("recorder: absurd capture timestamps still give rising times, without overflow")
{
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    TempDir dir;
    const Bytes jpeg = jpegOf(160, 120, 1);
    {
        MkvRecorder recorder(dir.file("odd.mkv").string(), 160, 120);
        for (const std::int64_t capture :
             {-5'000'000L, kMax, kMin, std::int64_t{0}, kMax, -4'000'000L})
            recorder.write(jpeg, capture);
        CHECK(recorder.frames() == 6);
    }
    const Probe result = probe(dir.file("odd.mkv"));
    REQUIRE(result.opened);
    REQUIRE(result.pts.size() == 6);
    CHECK(result.pts.front() == 0);
    CHECK(std::adjacent_find(result.pts.begin(), result.pts.end(),
                             [](std::int64_t a, std::int64_t b) { return b <= a; }) ==
          result.pts.end());
}

TEST_CASE("the wall's grid gives the largest 16:9 tiles that fit the window")
{
    CHECK(wallLayout(0, 1280, 720).tiles.empty());
    CHECK(wallLayout(3, 0, 720).tiles.empty());

    const WallGrid one = wallLayout(1, 1280, 720);
    CHECK(one.columns == 1);
    REQUIRE(one.tiles.size() == 1);
    CHECK(one.tiles[0].w == 1280);
    CHECK(one.tiles[0].h == 720);

    const WallGrid four = wallLayout(4, 1280, 720); // 2 x 2 of 640x360
    CHECK(four.columns == 2);
    CHECK(four.rows == 2);
    REQUIRE(four.tiles.size() == 4);
    CHECK(four.tiles[3].x == 640);
    CHECK(four.tiles[3].y == 360);
    CHECK(four.tiles[3].w == 640);

    // Three in a wide window: side by side; in a tall one: one above the other.
    CHECK(wallLayout(3, 3000, 600).columns == 3);
    CHECK(wallLayout(3, 600, 3000).columns == 1);
    // Three in 16:9: 2 x 2 with a cell left empty beats 3 x 1.
    const WallGrid three = wallLayout(3, 1280, 720);
    CHECK(three.columns == 2);
    CHECK(three.rows == 2);

    // Whatever the count and window, tiles are inside the window and do not overlap.
    for (std::size_t count = 1; count <= 17; ++count)
        for (const auto& size : {std::pair{1280, 720}, {801, 599}, {300, 1000}, {7, 5}}) {
            CAPTURE(count);
            CAPTURE(size.first);
            const WallGrid grid = wallLayout(count, size.first, size.second);
            REQUIRE(grid.tiles.size() == count);
            CHECK(grid.columns * grid.rows >= static_cast<int>(count));
            CHECK(grid.columns * (grid.rows - 1) < static_cast<int>(count)); // no empty row
            for (std::size_t i = 0; i < count; ++i) {
                const Rect& a = grid.tiles[i];
                CHECK(a.x >= 0);
                CHECK(a.y >= 0);
                CHECK(a.x + a.w <= size.first);
                CHECK(a.y + a.h <= size.second);
                for (std::size_t j = i + 1; j < count; ++j) {
                    const Rect& b = grid.tiles[j];
                    CHECK((a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y ||
                           b.y + b.h <= a.y));
                }
            }
        }
}

TEST_CASE("the wall draws a little faster than its fastest camera, within 8 to 25 ms")
{
    CHECK(wallRenderGap(30) == std::chrono::milliseconds(25)); // 3/4 of 33.3 ms
    CHECK(wallRenderGap(60) == std::chrono::milliseconds(12));
    CHECK(wallRenderGap(10) == std::chrono::milliseconds(25)); // no slower than that
    CHECK(wallRenderGap(240) == std::chrono::milliseconds(8));
    CHECK(wallRenderGap(0) == std::chrono::milliseconds(25)); // not known yet
    CHECK(wallRenderGap(std::nan("")) == std::chrono::milliseconds(25));
    CHECK(wallRenderGap(-5) == std::chrono::milliseconds(25));
}

TEST_CASE("a click finds the tile under it")
{
    const WallGrid grid = wallLayout(4, 1280, 720);
    CHECK(tileAt(grid, 0, 0) == 0);
    CHECK(tileAt(grid, 639, 359) == 0);
    CHECK(tileAt(grid, 640, 0) == 1);
    CHECK(tileAt(grid, 10, 400) == 2);
    CHECK(tileAt(grid, 1279, 719) == 3);
    CHECK(tileAt(grid, 1280, 10) == -1);
    CHECK(tileAt(grid, -1, 10) == -1);
    const WallGrid three = wallLayout(3, 1280, 720);
    CHECK(tileAt(three, 1000, 600) == -1); // the empty cell
}

TEST_CASE("a tile's state follows its link status")
{
    LinkStatus link;
    TileState tile = tileState(link, "10.0.0.7:8485");
    CHECK(tile.title == "10.0.0.7:8485"); // no hello yet: the address
    CHECK(tile.state == "connecting");
    CHECK(tile.warning);

    link.name = "Garden";
    link.state = LinkState::Live;
    link.detail = "old words";
    link.motion = true;
    tile = tileState(link, "10.0.0.7:8485");
    CHECK(tile.title == "Garden");
    CHECK(tile.state == "live");
    CHECK_FALSE(tile.warning);
    CHECK(tile.detail.empty());
    CHECK(tile.motion);

    link.state = LinkState::Stalled;
    tile = tileState(link, "x");
    CHECK(tile.state == "stalled");
    CHECK(tile.warning);
    CHECK(tile.motion); // still connected: the server's word stands

    link.state = LinkState::Reconnecting;
    link.detail = "connection refused";
    tile = tileState(link, "x");
    CHECK(tile.state == "reconnecting");
    CHECK(tile.detail == "connection refused");
    CHECK_FALSE(tile.motion); // nobody says so any more

    link.state = LinkState::SourceDown;
    link.detail = "camera\x1b[2J gone\n";
    tile = tileState(link, "x");
    CHECK(tile.state == "source down");
    CHECK(tile.detail.find('\x1b') == std::string::npos); // the server's words, escaped
    CHECK(tile.detail.find('\n') == std::string::npos);

    link.state = LinkState::WrongKey;
    CHECK(tileState(link, "x").state == "wrong key");

    tile = tileState(LinkStatus{}, "garden.local:8485", true);
    CHECK(tile.state == "no key");
    CHECK(tile.warning);
    CHECK(tile.detail.find("--key") != std::string::npos);
}

TEST_CASE("the frame decoder decodes at the scale that fits the size the picture is shown at")
{
    const auto picture = makePicture(1280, 720, 0, 2);
    JpegEncoder encoder(80);
    ByteBuffer jpeg;
    encoder.encode(picture.frame(), jpeg);
    ReceivedFrame frame;
    frame.header.width = 1280;
    frame.header.height = 720;
    frame.jpeg = jpeg.span();
    FrameDecoder decoder(2, FrameLimits{});
    DecodedFrame out;
    REQUIRE_FALSE(decoder.decode(frame, std::nullopt, out));
    CHECK(out.image.info.width == 1280); // nothing said: full size, as the single window
    decoder.setShownSize(640, 360);      // a wall's tile
    REQUIRE_FALSE(decoder.decode(frame, std::nullopt, out));
    CHECK(out.image.info.width == 640);
    CHECK(out.image.info.height == 360);
    CHECK(out.jpeg.size() == jpeg.size()); // snapshots keep the JPEG as received
    decoder.setShownSize(300, 170);
    REQUIRE_FALSE(decoder.decode(frame, std::nullopt, out));
    CHECK(out.image.info.width == 320);
    decoder.setShownSize(1920, 1080); // focused on a big screen: never more than full size
    REQUIRE_FALSE(decoder.decode(frame, std::nullopt, out));
    CHECK(out.image.info.width == 1280);
}
