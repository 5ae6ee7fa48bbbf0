// The recorder's parts below the files: the pre-roll ring, the names, the
// retention choice, the SQLite index and its repair, and the recorder itself
// fed through a hub on a test io_context.

#include <thread>

#include <doctest/doctest.h>

#include "codec/jpeg_encoder.h"
#include "media/mkv_recorder.h"
#include "record/event_index.h"
#include "record/event_recorder.h"
#include "record/pre_roll_ring.h"
#include "record/recording_names.h"
#include "record/retention.h"
#include "support/test_images.h"
#include "support/wait_for.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

// A frame of `bytes` JPEG bytes (not a picture) captured at `captureMicros`.
EncodedFramePtr frameAt(std::uint64_t sequence, std::int64_t captureMicros, std::size_t bytes)
{
    auto frame = std::make_shared<EncodedFrame>();
    frame->jpegStorage.resize(bytes);
    std::fill(frame->jpegStorage.data(), frame->jpegStorage.data() + bytes, std::uint8_t{0});
    frame->jpeg = frame->jpegStorage.span();
    frame->header.sequence = sequence;
    frame->header.captureMicros = captureMicros;
    frame->header.width = 64;
    frame->header.height = 48;
    return frame;
}

// A real 64x48 JPEG frame, for the files ffprobe and the thumbnail read.
EncodedFramePtr jpegFrameAt(std::uint64_t sequence, std::int64_t captureMicros)
{
    static const ByteBuffer jpeg = [] {
        JpegEncoder encoder(80);
        ByteBuffer out;
        encoder.encode(makePicture(64, 48, 0).frame(), out);
        return out;
    }();
    auto frame = std::make_shared<EncodedFrame>();
    frame->jpeg = jpeg.span();
    frame->header.sequence = sequence;
    frame->header.captureMicros = captureMicros;
    frame->header.width = 64;
    frame->header.height = 48;
    return frame;
}

std::vector<std::string> filesIn(const std::filesystem::path& dir, const std::string& extension)
{
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == extension)
            names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

TEST_CASE("the pre-roll ring keeps its span of capture time")
{
    PreRollRing ring({std::chrono::milliseconds(1000), 1u << 30});
    // 10 fps for 3 s: the ring keeps 1 s, that is 11 frames (both ends).
    for (std::uint64_t i = 0; i < 30; ++i)
        ring.push(frameAt(i, static_cast<std::int64_t>(i) * 100'000, 100));
    CHECK(ring.size() == 11);
    CHECK(ring.spanMicros() == 1'000'000);
    CHECK(ring.frames().front()->header.sequence == 19);
    CHECK(ring.frames().back()->header.sequence == 29);
    CHECK(ring.bytes() == 11 * 100);
    CHECK(ring.evicted() == 19);
    CHECK(ring.find(25));
    CHECK_FALSE(ring.find(5));
}

TEST_CASE("the pre-roll ring keeps under its byte cap whatever the span")
{
    PreRollRing ring({std::chrono::milliseconds(5000), 10'000});
    for (std::uint64_t i = 0; i < 50; ++i)
        ring.push(frameAt(i, static_cast<std::int64_t>(i) * 1000, 3000));
    CHECK(ring.size() == 3);
    CHECK(ring.bytes() == 9000);
    // One frame bigger than the cap still stays alone: a clip has its trigger.
    ring.push(frameAt(50, 51'000, 20'000));
    CHECK(ring.size() == 1);
    const auto taken = ring.take();
    CHECK(taken.size() == 1);
    CHECK(ring.empty());
    CHECK(ring.bytes() == 0);
}

TEST_CASE("the pre-roll ring starts again when capture times go back")
{
    PreRollRing ring;
    ring.push(frameAt(1, 5'000'000, 10));
    ring.push(frameAt(2, 5'100'000, 10));
    ring.push(frameAt(3, 1'000, 10)); // a restarted source
    CHECK(ring.size() == 1);
    CHECK(ring.frames().front()->header.sequence == 3);
}

TEST_CASE("recording names say their kind and start time and round-trip")
{
    const std::int64_t ms = 1'796'239'800'123; // 2026-12-02 19:30:00.123 UTC
    const std::string stem = recordingStem(RecordingKind::Event, ms);
    CHECK(stem == "event-20261202-193000-123");
    const auto parsed = parseRecordingName(stem + ".mkv");
    REQUIRE(parsed);
    CHECK(parsed->startMs == ms);
    CHECK(parsed->kind == RecordingKind::Event);
    CHECK(parsed->stem == stem);
    const auto segment = parseRecordingName(recordingStem(RecordingKind::Segment, ms) + "-2.mkv");
    REQUIRE(segment);
    CHECK(segment->kind == RecordingKind::Segment);
    CHECK(segment->startMs == ms);
    for (const char* name : {"events.sqlite3", "event-20261202-193000-123.txt",
                             "segment-20261202-193000-123.jpg", "event-2026120-193000-123.mkv",
                             "event-20261302-193000-123.mkv", "event-20261202-193000-123-x.mkv",
                             "../event-20261202-193000-123.mkv", "event-20261202-193000-123-0.mkv"})
        CHECK_MESSAGE(!parseRecordingName(name), name);
}

TEST_CASE("retention deletes the oldest first, for age, size and free space")
{
    const std::int64_t day = 86'400'000;
    const std::int64_t now = 100 * day;
    const std::vector<Recording> recordings = {
        {"c", 300, now - 1 * day}, {"a", 100, now - 10 * day}, {"b", 200, now - 5 * day}};
    const FilesystemSpace roomy{1'000'000, 900'000};

    SUBCASE("nothing to do")
    {
        CHECK(chooseDeletions(recordings, {}, roomy, now).empty());
    }
    SUBCASE("older than --retain-days")
    {
        RetentionConfig config;
        config.maxDays = 7;
        CHECK(chooseDeletions(recordings, config, roomy, now) == std::vector<std::string>{"a"});
        config.maxDays = 2;
        CHECK(chooseDeletions(recordings, config, roomy, now) ==
              std::vector<std::string>{"a", "b"});
    }
    SUBCASE("over --retain-size: the oldest until the rest fit")
    {
        RetentionConfig config;
        config.maxBytes = 500;
        CHECK(chooseDeletions(recordings, config, roomy, now) == std::vector<std::string>{"a"});
        config.maxBytes = 299;
        CHECK(chooseDeletions(recordings, config, roomy, now) ==
              std::vector<std::string>{"a", "b", "c"});
    }
    SUBCASE("under 10% free: the oldest until there is, plus room for the next file")
    {
        const FilesystemSpace full{10'000, 850}; // wants 1000 free
        CHECK(chooseDeletions(recordings, {}, full, now) == std::vector<std::string>{"a", "b"});
        CHECK(chooseDeletions(recordings, {}, full, now, 100) ==
              std::vector<std::string>{"a", "b"});
        CHECK(chooseDeletions(recordings, {}, full, now, 500) ==
              std::vector<std::string>{"a", "b", "c"});
    }
    SUBCASE("never the file being written")
    {
        RetentionConfig config;
        config.maxBytes = 1;
        CHECK(chooseDeletions(recordings, config, roomy, now, 0, "a") ==
              std::vector<std::string>{"b", "c"});
    }
}

TEST_CASE("--retain-size sizes parse in binary multiples and refuse nonsense")
{
    CHECK(parseByteSize("8G") == 8ull << 30);
    CHECK(parseByteSize("500M") == 500ull << 20);
    CHECK(parseByteSize("64k") == 64ull << 10);
    CHECK(parseByteSize("1024") == 1024);
    for (const char* bad : {"", "0", "-1G", "8X", "G", "99999999999T", "1.5G"})
        CHECK_THROWS_AS(parseByteSize(bad), std::invalid_argument);
}

TEST_CASE("the event index pages newest first and survives reopening")
{
    TempDir dir;
    const auto file = dir.file("events.sqlite3");
    {
        EventIndex index(file);
        for (int i = 0; i < 5; ++i) {
            EventRow row;
            row.startMs = 1000 * i;
            row.clip = "clip" + std::to_string(i) + ".mkv";
            row.box = {0.1, 0.2, 0.3, 0.4};
            row.score = 0.5;
            CHECK(index.insert(row) == i + 1);
        }
        auto row = *index.find(2);
        row.endMs = 1500;
        row.thumbnail = "t.jpg";
        index.update(row);
    }
    EventIndex index(file);
    const auto page = index.list(2);
    REQUIRE(page.size() == 2);
    CHECK(page[0].id == 5);
    CHECK(page[1].id == 4);
    const auto next = index.list(10, page.back().id);
    REQUIRE(next.size() == 3);
    CHECK(next[0].id == 3);
    CHECK(next[1].endMs == 1500);
    CHECK(next[1].thumbnail == "t.jpg");
    CHECK(next[1].box[3] == doctest::Approx(0.4));
    CHECK_FALSE(next[2].endMs);
    index.removeClip("clip0.mkv");
    CHECK_FALSE(index.find(1));
}

TEST_CASE("the event index is repaired from the files")
{
    TempDir dir;
    EventIndex index(dir.file("events.sqlite3"));
    const std::string kept = recordingStem(RecordingKind::Event, 1'000'000);
    const std::string open = recordingStem(RecordingKind::Event, 2'000'000);
    const std::string orphan = recordingStem(RecordingKind::Event, 3'000'000);
    const std::string gone = recordingStem(RecordingKind::Event, 4'000'000);
    for (const std::string& stem : {kept, open, orphan})
        writeFile(dir.file(stem + ".mkv"), std::string("x"));
    writeFile(dir.file(orphan + ".jpg"), std::string("x"));
    writeFile(dir.file(recordingStem(RecordingKind::Segment, 5'000'000) + ".mkv"),
              std::string("x"));
    EventRow row;
    row.startMs = 1'000'000;
    row.endMs = 1'010'000;
    row.clip = kept + ".mkv";
    index.insert(row);
    row.startMs = 2'000'000;
    row.clipStartMs = 1'995'000;
    row.endMs.reset(); // left open by a crash
    row.clip = open + ".mkv";
    index.insert(row);
    row.startMs = 4'000'000;
    row.clip = gone + ".mkv"; // its clip was deleted behind our back
    index.insert(row);

    int probed = 0;
    const IndexRepair repair = index.repair(dir.path(), [&](const std::filesystem::path& clip) {
        ++probed;
        return clip.filename().string() == open + ".mkv" ? std::optional<std::int64_t>(9'000)
                                                         : std::optional<std::int64_t>();
    });
    CHECK(repair.added == 1);
    CHECK(repair.removed == 1);
    CHECK(repair.closed == 1);
    CHECK(probed == 2); // the open event and the orphan; nothing else is read
    const auto rows = index.list(10);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].clip == orphan + ".mkv");
    CHECK(rows[0].startMs == 3'000'000);
    CHECK(rows[0].endMs == 3'000'000); // unreadable: its start
    CHECK(rows[0].thumbnail == orphan + ".jpg");
    CHECK(rows[1].clip == open + ".mkv");
    CHECK(rows[1].endMs == 1'995'000 + 9'000); // the clip's last frame
    CHECK(rows[2].clip == kept + ".mkv");
    CHECK(rows[2].endMs == 1'010'000);
    // Repaired is stable.
    const IndexRepair again = index.repair(
        dir.path(), [](const std::filesystem::path&) { return std::optional<std::int64_t>(); });
    CHECK(again.added + again.removed + again.closed == 0);
}

TEST_CASE("a motion clip holds the pre-roll, the event and the post-roll, and a thumbnail")
{
    TempDir dir;
    asio::io_context io;
    FrameHub hub(io);
    RecorderConfig config;
    config.mode = RecordMode::Motion;
    config.dir = dir.path() / "rec";
    config.preRoll.span = 1000ms;
    config.postRoll = 500ms;
    EventRecorder recorder(io, hub, config);
    CHECK(hub.wanted()); // recording keeps the pipeline encoding
    recorder.start();

    // 10 fps: 3 s of quiet, motion from frame 30 (the event starts at 32),
    // the event ends at frame 50, then 2 s more.
    std::uint64_t sequence = 0;
    const auto feed = [&](std::uint64_t until) {
        for (; sequence < until; ++sequence) {
            recorder.onFrame(
                jpegFrameAt(sequence, 10'000'000 + static_cast<std::int64_t>(sequence) * 100'000));
            MotionSample sample;
            sample.sequence = sequence;
            sample.motion = sequence >= 30 && sequence < 45;
            sample.score = sample.motion ? (sequence == 40 ? 0.3 : 0.1) : 0.0;
            recorder.onMotionSample(sample);
        }
    };
    feed(32);
    MotionEventRecord event{1, 1'796'239'800'000, std::nullopt, 0.1, {0.1, 0.1, 0.2, 0.2}};
    recorder.onMotionEvent(event, MotionEvents::Change::Started);
    feed(50);
    event.endMs = event.startMs + 2000;
    event.score = 0.3;
    recorder.onMotionEvent(event, MotionEvents::Change::Ended);
    feed(80);
    recorder.stop();

    const RecorderStats stats = recorder.stats();
    CHECK(stats.framesDropped == 0);
    CHECK(stats.files == 1);
    // Pre-roll: frames 21..31 (1 s at 10 fps, both ends), live 32..49,
    // post-roll 50..54 (until 0.5 s after the last frame of the event).
    CHECK(stats.framesWritten == 11 + 18 + 5);
    const auto clips = filesIn(config.dir, ".mkv");
    REQUIRE(clips.size() == 1);
    CHECK(clips[0] == recordingStem(RecordingKind::Event, event.startMs) + ".mkv");
    CHECK(mkvLastFrameMillis((config.dir / clips[0]).string()) == 3300);
    const auto thumbnails = filesIn(config.dir, ".jpg");
    REQUIRE(thumbnails.size() == 1);
    CHECK(readFile(config.dir / thumbnails[0]).size() == jpegFrameAt(0, 0)->jpeg.size());

    const auto rows = recorder.index().list(10);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].startMs == event.startMs);
    CHECK(rows[0].endMs == event.endMs);
    CHECK(rows[0].score == doctest::Approx(0.3));
    CHECK(rows[0].clip == clips[0]);
    CHECK(rows[0].thumbnail == thumbnails[0]);
}

TEST_CASE("continuous recording cuts segments and counts frames it had no room for")
{
    TempDir dir;
    asio::io_context io;
    FrameHub hub(io);
    RecorderConfig config;
    config.mode = RecordMode::Continuous;
    config.dir = dir.path();
    config.segment = 1000ms;
    config.queueFrames = 5; // the thread is not started yet: the queue fills
    const std::string partial = recordingStem(RecordingKind::Event, 1'000'000) + ".jpg.part";
    writeFile(dir.file(partial), std::string("half a JPEG"));
    writeFile(dir.file("notes.jpg.part"), std::string("someone else's"));
    EventRecorder recorder(io, hub, config);
    CHECK_FALSE(std::filesystem::exists(dir.file(partial)));    // left by a power cut: gone
    CHECK(std::filesystem::exists(dir.file("notes.jpg.part"))); // not ours: kept
    for (std::uint64_t i = 0; i < 35; ++i)
        recorder.onFrame(jpegFrameAt(i, static_cast<std::int64_t>(i) * 100'000));
    CHECK(recorder.stats().framesDropped == 30);
    recorder.start();
    CHECK(waitFor([&] { return recorder.stats().framesWritten == 5; }, 10s));
    for (std::uint64_t i = 35; i < 60; ++i) {
        recorder.onFrame(jpegFrameAt(i, static_cast<std::int64_t>(i) * 100'000));
        CHECK(waitFor([&] { return recorder.stats().framesWritten == i - 29; }, 10s));
    }
    recorder.stop();
    // Segments start at frames 0, 10, 20, 30, 40 and 50; those whose frames
    // were all dropped (10, 20) leave no file.
    const auto segments = filesIn(dir.path(), ".mkv");
    CHECK(segments.size() == 4);
    CHECK(recorder.stats().files == 4);
    CHECK(recorder.index().list(10).empty()); // segments are not events
}

TEST_CASE("an unwritable record directory is one clear error at start")
{
    TempDir dir;
    writeFile(dir.file("file"), std::string("x"));
    asio::io_context io;
    FrameHub hub(io);
    RecorderConfig config;
    config.mode = RecordMode::Motion;
    config.dir = dir.file("file") / "recordings";
    CHECK_THROWS_WITH_AS(EventRecorder(io, hub, config), doctest::Contains("cannot record to "),
                         std::runtime_error);
}
