#include <atomic>
#include <condition_variable>
#include <cstring>
#include <random>

#include <doctest/doctest.h>

#include "codec/gzip_inflater.h"
#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "codec/jpeg_tables.h"
#include "codec/parallel_jpeg_encoder.h"
#include "core/frame_pool.h"
#include "pipeline/encode_pipeline.h"
#include "protocol/message_reader.h"
#include "support/fake_source.h"
#include "support/printers.h"
#include "support/test_images.h"

using namespace pistream;
using namespace pistream::test;

namespace {

// Collects what the pipeline publishes.
struct Published final : FrameSink {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<EncodedFramePtr> frames;
    std::atomic<bool> want{true};
    std::atomic<RungMask> rungs{maskOf(Rung::Full)};

    bool wanted() const override { return want; }
    RungMask wantedRungs() const override { return want ? RungMask{rungs} : RungMask{0}; }
    void publish(EncodedFramePtr frame) override
    {
        std::lock_guard lock(mutex);
        frames.push_back(std::move(frame));
        arrived.notify_all();
    }
    void setSourceStatus(SourceState, const std::string&) override {}
    bool waitFor(std::size_t count)
    {
        std::unique_lock lock(mutex);
        return arrived.wait_for(lock, std::chrono::seconds(10),
                                [&] { return frames.size() >= count; });
    }
};

// Fills a pool buffer with a picture and lends it.
FramePtr pooledFrame(FramePool& pool, const YuvPicture& picture, std::uint64_t sequence)
{
    auto buffer = pool.acquire();
    REQUIRE(buffer);
    for (std::size_t p = 0; p < 3; ++p) {
        const auto& src = p == 0 ? picture.y : p == 1 ? picture.u : picture.v;
        const int w = p == 0 ? picture.width : chromaSize(picture.width);
        const int h = p == 0 ? picture.height : chromaSize(picture.height);
        const int srcStride = p == 0 ? picture.lumaStride() : picture.chromaStride();
        for (int row = 0; row < h; ++row)
            std::memcpy(const_cast<std::uint8_t*>(buffer->frame.planes[p].data) +
                            row * buffer->frame.planes[p].stride,
                        src.data() + row * srcStride, static_cast<std::size_t>(w));
    }
    buffer->frame.sequence = sequence;
    buffer->frame.captureMicros = 1000 + static_cast<std::int64_t>(sequence);
    return pool.lend(std::move(buffer));
}

PipelineConfig config(const std::string& gzip)
{
    PipelineConfig c;
    c.quality = 80;
    c.gzip = GzipSetting::parse(gzip, GzipStrategy::Default);
    return c;
}

} // namespace

TEST_CASE("gzip setting parses off, auto and levels")
{
    // The default bar: 4% (a natural scene) does not pay, 30% (a flat one) does.
    GzipPolicy byDefault(GzipSetting::parse("auto", GzipStrategy::Default));
    CHECK_FALSE(byDefault.record(1000, 960));
    CHECK(byDefault.record(1000, 700));
    CHECK(GzipSetting::parse("off", GzipStrategy::Default).mode == GzipSetting::Mode::Off);
    CHECK(GzipSetting::parse("auto", GzipStrategy::Default).mode == GzipSetting::Mode::Auto);
    const auto six = GzipSetting::parse("6", GzipStrategy::Rle);
    CHECK(six.mode == GzipSetting::Mode::Fixed);
    CHECK(six.level == 6);
    CHECK(six.toString() == "level 6 (rle)");
    for (const char* bad : {"0", "10", "", "fast", "1x", "-1"})
        CHECK_THROWS_AS(GzipSetting::parse(bad, GzipStrategy::Default), std::invalid_argument);
}

TEST_CASE("auto gzip stops when it does not pay, probes, and resumes when it does")
{
    auto setting = GzipSetting::parse("auto", GzipStrategy::Default);
    setting.minSaving = 0.01;
    GzipPolicy policy(setting, 10, 3);
    // Saves 20%: keeps compressing and sends gzip.
    for (int i = 0; i < 5; ++i) {
        REQUIRE(policy.shouldCompress());
        CHECK(policy.record(1000, 800));
    }
    // Saves 0.5% three times in a row (under the 1% set here): sends plain, then pauses.
    for (int i = 0; i < 3; ++i) {
        REQUIRE(policy.shouldCompress());
        CHECK_FALSE(policy.record(1000, 995));
    }
    CHECK(policy.paused());
    int compressed = 0;
    for (int i = 0; i < 30; ++i)
        if (policy.shouldCompress()) {
            ++compressed;
            policy.record(1000, 999); // probes still do not pay
        }
    CHECK(compressed == 3); // one probe every 10 frames
    // A probe that pays ends the pause.
    while (!policy.shouldCompress()) {
    }
    CHECK(policy.record(1000, 500));
    CHECK_FALSE(policy.paused());
    CHECK(policy.shouldCompress());

    GzipPolicy fixed(GzipSetting::parse("1", GzipStrategy::Default));
    for (int i = 0; i < 20; ++i) {
        CHECK(fixed.shouldCompress());
        CHECK(fixed.record(1000, 1001)); // a fixed level always sends what it made
    }
    GzipPolicy off(GzipSetting::parse("off", GzipStrategy::Default));
    CHECK_FALSE(off.shouldCompress());
}

TEST_CASE("nothing is encoded while nobody watches, and buffers go straight back")
{
    FakeSource source({64, 48, 30, 1, PixelFormat::Yuv420});
    FramePool pool(64, 48, 3);
    Published published;
    published.want = false;
    EncodePipeline pipeline(source, config("auto"), published);
    pipeline.start();
    const auto picture = makePicture(64, 48, 0);
    for (std::uint64_t i = 0; i < 5; ++i)
        source.push(pooledFrame(pool, picture, i));
    CHECK(pool.available() == 3);
    auto stats = pipeline.stats();
    CHECK(stats.framesIn == 5);
    CHECK(stats.framesIdle == 5);
    CHECK(stats.framesOut == 0);

    published.want = true;
    source.push(pooledFrame(pool, picture, 5));
    REQUIRE(published.waitFor(1));
    pipeline.stop();
    CHECK(pipeline.stats().framesOut == 1);
    CHECK(published.frames[0]->header.sequence == 5);
}

TEST_CASE("each frame is encoded once into a shared wire message, and the buffer returns at once")
{
    FakeSource source({96, 64, 30, 1, PixelFormat::Yuv420});
    FramePool pool(96, 64, 2);
    Published published;
    EncodePipeline pipeline(source, config("6"), published);
    pipeline.start();
    const auto picture = makePicture(96, 64, 0, 4);
    source.push(pooledFrame(pool, picture, 42));
    REQUIRE(published.waitFor(1));
    pipeline.stop();

    const EncodedFramePtr frame = published.frames[0];
    // The raw buffer is back in the pool although the encoded frame is still held.
    CHECK(pool.available() == 2);
    CHECK(frame->header.sequence == 42);
    CHECK(frame->header.captureMicros == 1042);
    CHECK(frame->header.readyMicros >= frame->header.captureMicros);
    CHECK(frame->header.flags == kFrameFlagGzip);
    CHECK(frame->header.jpegLength == frame->jpeg.size());

    // The wire header describes the payload that follows it.
    std::size_t used = 0;
    MessageReader reader(kDefaultMaxMessage);
    std::vector<std::uint8_t> wire(frame->wireHeader.begin(), frame->wireHeader.end());
    wire.insert(wire.end(), frame->payload.begin(), frame->payload.end());
    REQUIRE(reader.feed(wire, used) == MessageReader::Result::Message);
    CHECK(used == wire.size());
    FrameHeader header;
    std::span<const std::uint8_t> payload;
    REQUIRE_FALSE(decodeFrame(reader.message().body, FrameLimits{}, header, payload));

    GzipInflater inflater;
    ByteBuffer jpeg;
    REQUIRE_FALSE(inflater.inflate(payload, header.jpegLength, jpeg));
    CHECK(std::equal(frame->jpeg.begin(), frame->jpeg.end(), jpeg.data()));
    // It is the JPEG of our picture, made in the pipeline's strips.
    ParallelJpegEncoder reference(80, pipeline.encodeThreads());
    ByteBuffer expected;
    reference.encode(picture.frame(), expected);
    CHECK(std::equal(expected.data(), expected.data() + expected.size(), jpeg.data(),
                     jpeg.data() + jpeg.size()));
}

TEST_CASE("MJPEG frames pass through without re-encoding, and gzip auto backs off on them")
{
    // Pass-through frames are not re-validated, so random bytes between SOI and
    // EOI stand in for a JPEG that gzip cannot shrink at all.
    std::vector<std::uint8_t> jpeg(20000);
    std::mt19937 random(1);
    for (auto& byte : jpeg)
        byte = static_cast<std::uint8_t>(random());
    jpeg[0] = 0xFF;
    jpeg[1] = 0xD8;
    jpeg[jpeg.size() - 2] = 0xFF;
    jpeg[jpeg.size() - 1] = 0xD9;
    FakeSource source({128, 96, 30, 1, PixelFormat::Mjpeg});
    Published published;
    EncodePipeline pipeline(source, config("auto"), published);
    pipeline.start();
    std::weak_ptr<const RawFrame> firstSource;
    for (std::uint64_t i = 0; i < 8; ++i) {
        auto frame = std::make_shared<RawFrame>();
        frame->format = PixelFormat::Mjpeg;
        frame->width = 128;
        frame->height = 96;
        frame->jpeg = jpeg;
        frame->sequence = i;
        if (i == 0)
            firstSource = frame;
        source.push(frame);
        REQUIRE(published.waitFor(
            static_cast<std::size_t>(i + 1))); // one at a time, so none is replaced in the mailbox
    }
    pipeline.stop();
    const auto stats = pipeline.stats();
    CHECK(stats.framesOut == 8);
    CHECK(stats.gzippedFrames == 0);  // never worth sending gzipped
    CHECK(stats.encodeMillis == 0.0); // and never re-encoded
    CHECK(pipeline.gzipPaused());     // auto gave up after a few tries
    for (const auto& frame : published.frames) {
        CHECK(frame->header.flags == 0);
        CHECK(std::equal(frame->payload.begin(), frame->payload.end(), jpeg.begin(), jpeg.end()));
    }
    // The source frame (its file mapping) is held while its encoded frame lives.
    CHECK_FALSE(firstSource.expired());
    published.frames.clear();
    CHECK(firstSource.expired());
}

namespace {

// One 64x48 frame through a pipeline with gzip off: what came out, and
// whether the source's frame had been let go by then.
struct ThroughPipeline {
    EncodedFramePtr out;
    bool released = false;
    int encodeThreads = 0;
};
ThroughPipeline throughPipeline(std::shared_ptr<RawFrame> frame)
{
    frame->width = 64;
    frame->height = 48;
    FakeSource source({64, 48, 30, 1, frame->format});
    Published published;
    EncodePipeline pipeline(source, config("off"), published);
    pipeline.start();
    std::weak_ptr<const RawFrame> lent = frame;
    source.push(std::move(frame));
    REQUIRE(published.waitFor(1));
    pipeline.stop();
    return {published.frames.front(), lent.expired(), pipeline.encodeThreads()};
}

} // namespace

TEST_CASE("MJPEG frames without Huffman tables leave the pipeline complete, and let go at once")
{
    JpegEncoder encoder(80);
    ByteBuffer encoded;
    encoder.encode(makePicture(64, 48, 0, 2).frame(), encoded);
    const std::vector<std::uint8_t> whole(encoded.data(), encoded.data() + encoded.size());
    const std::vector<std::uint8_t> bare = withoutHuffmanTables(whole);
    REQUIRE_FALSE(hasHuffmanTables(bare));

    auto frame = std::make_shared<RawFrame>();
    frame->format = PixelFormat::Mjpeg;
    frame->jpeg = bare;
    const auto [out, released, threads] = throughPipeline(std::move(frame));
    CHECK(hasHuffmanTables(out->jpeg));
    CHECK(out->payload.size() == bare.size() + 420);
    CHECK(released); // a copy went out: the source's buffer is back already
    JpegDecoder decoder;
    YuvImage fromOut, fromWhole;
    REQUIRE_FALSE(decoder.decode(out->jpeg, 64, 48, fromOut));
    REQUIRE_FALSE(decoder.decode(whole, 64, 48, fromWhole));
    CHECK(std::memcmp(fromOut.planes[0], fromWhole.planes[0],
                      static_cast<std::size_t>(fromWhole.strides[0]) * 48) == 0);
}

TEST_CASE("a YUYV frame goes through the pipeline as the same picture in 4:2:0")
{
    const YuvPicture picture = makePicture(64, 48, 0, 7);
    // Pack it as YUYV: each chroma sample on both rows it covers.
    std::vector<std::uint8_t> packed(64 * 2 * 48);
    for (int row = 0; row < 48; ++row)
        for (int col = 0; col < 64; col += 2) {
            std::uint8_t* p = &packed[static_cast<std::size_t>(row * 128 + col * 2)];
            const std::size_t chroma = static_cast<std::size_t>(row / 2 * 32 + col / 2);
            p[0] = picture.y[static_cast<std::size_t>(row * 64 + col)];
            p[1] = picture.u[chroma];
            p[2] = picture.y[static_cast<std::size_t>(row * 64 + col + 1)];
            p[3] = picture.v[chroma];
        }
    auto frame = std::make_shared<RawFrame>();
    frame->format = PixelFormat::Yuyv;
    frame->planes[0] = {packed.data(), 128};
    const auto [out, released, threads] = throughPipeline(std::move(frame));
    CHECK(released); // converted and encoded: the camera's buffer is back
    // The same JPEG as the 4:2:0 picture it was packed from.
    ParallelJpegEncoder reference(80, threads);
    ByteBuffer expected;
    reference.encode(picture.frame(), expected);
    CHECK(std::equal(out->jpeg.begin(), out->jpeg.end(), expected.data(),
                     expected.data() + expected.size()));
}

// A raw-frame observer as motion detection will be: it sees each encoded
// frame's planes while they are lent, never keeps them, and the camera's
// buffer still goes back before the JPEG is published.
TEST_CASE("raw-frame observers see the planes of every encoded frame, in order, while lent")
{
    struct Observer final : RawFrameObserver {
        FramePool* pool = nullptr;
        std::vector<std::uint64_t> sequences;
        std::vector<std::uint8_t> firstLuma;
        std::size_t lentWhileObserved = 0;
        void onRawFrame(const RawFrame& frame) override
        {
            sequences.push_back(frame.sequence);
            firstLuma.push_back(frame.planes[0].data[0]);
            lentWhileObserved += pool->available() == 0 ? 1U : 0U;
        }
    };
    FakeSource source({64, 48, 30, 1, PixelFormat::Yuv420});
    FramePool pool(64, 48, 1);
    Published published;
    published.want = false;
    Observer observer;
    observer.pool = &pool;
    EncodePipeline pipeline(source, config("off"), published);
    pipeline.addRawObserver(observer);
    pipeline.start();
    const auto picture = makePicture(64, 48, 0, 9);
    source.push(pooledFrame(pool, picture, 1)); // nobody wants frames: not observed either
    published.want = true;
    for (std::uint64_t i = 2; i <= 4; ++i) {
        source.push(pooledFrame(pool, picture, i));
        REQUIRE(published.waitFor(static_cast<std::size_t>(i - 1)));
        CHECK(pool.available() == 1); // back in the pool by the time it is published
    }
    pipeline.stop();
    CHECK(observer.sequences == std::vector<std::uint64_t>{2, 3, 4});
    CHECK(observer.lentWhileObserved == 3); // observed while the source's buffer was lent
    for (const std::uint8_t luma : observer.firstLuma)
        CHECK(luma == picture.y[0]);
}

TEST_CASE("each wanted rung is encoded once per frame, best first, and only while wanted")
{
    FakeSource source({96, 64, 30, 1, PixelFormat::Yuv420});
    FramePool pool(96, 64, 2);
    Published published;
    published.rungs = maskOf(Rung::Full) | maskOf(Rung::HalfLower);
    PipelineConfig c = config("off");
    c.lowerQuality = 30;
    EncodePipeline pipeline(source, c, published);
    pipeline.start();
    const auto picture = makePicture(96, 64, 0, 4);
    source.push(pooledFrame(pool, picture, 1));
    REQUIRE(published.waitFor(2));
    published.rungs = maskOf(Rung::Lower) | maskOf(Rung::Half);
    source.push(pooledFrame(pool, picture, 2));
    REQUIRE(published.waitFor(4));
    pipeline.stop();

    const auto stats = pipeline.stats();
    CHECK(stats.framesOut == 2);
    CHECK(stats.rungEncodes == std::array<std::uint64_t, kRungCount>{1, 1, 1, 1});
    REQUIRE(published.frames.size() == 4);
    const auto& f = published.frames;
    CHECK(f[0]->rung() == Rung::Full);
    CHECK(f[1]->rung() == Rung::HalfLower);
    CHECK(f[2]->rung() == Rung::Lower);
    CHECK(f[3]->rung() == Rung::Half);
    for (const auto& frame : f)
        CHECK(frame->covers == maskOf(frame->rung()));
    // Sizes and qualities: the half rungs are half the picture, the lower
    // rungs smaller JPEGs of the same size, and the rung is on the wire.
    CHECK(f[1]->header.width == 48);
    CHECK(f[1]->header.height == 32);
    CHECK(f[3]->header.width == 48);
    CHECK(f[2]->header.width == 96);
    CHECK(f[2]->jpeg.size() < f[0]->jpeg.size());
    CHECK(f[1]->jpeg.size() < f[3]->jpeg.size());
    CHECK(f[1]->wireHeader[kLengthPrefixSize + 1 + 29] == 3);
    for (const auto& frame : f) {
        JpegDecoder decoder;
        YuvImage decoded;
        REQUIRE_FALSE(decoder.decode(frame->jpeg, 96, 64, decoded));
        CHECK(decoded.info.width == frame->header.width);
        CHECK(decoded.info.height == frame->header.height);
        CHECK(frame->header.sequence == (frame == f[0] || frame == f[1] ? 1u : 2u));
    }
    CHECK(pool.available() == 2); // the camera's buffers went back
}
