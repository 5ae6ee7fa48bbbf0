#include "pipeline/encode_pipeline.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "codec/codec_threads.h"
#include "codec/jpeg_tables.h"
#include "core/clock.h"

namespace pistream {

namespace {

double millisSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

} // namespace

EncodePipeline::EncodePipeline(FrameSource& source, const PipelineConfig& config, FrameSink& sink)
    : source_(source), config_(config), sink_(sink),
      jpeg_(config.quality, codecThreads(config.encodeThreads)), gzipPolicy_(config.gzip),
      framePool_(16) // up to four rungs of a frame in flight
{
    if (config.gzip.mode != GzipSetting::Mode::Off)
        gzip_ = std::make_unique<GzipCompressor>(config.gzip.level, config.gzip.strategy);
}

EncodePipeline::~EncodePipeline()
{
    stop();
}

void EncodePipeline::addRawObserver(RawFrameObserver& observer)
{
    rawObservers_.push_back(&observer);
}

void EncodePipeline::start()
{
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
    source_.start({[this](FramePtr frame) { onFrame(std::move(frame)); },
                   [this](SourceState state, const std::string& text) {
                       sink_.setSourceStatus(state, text);
                   }});
}

void EncodePipeline::stop()
{
    source_.stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        pending_.reset();
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void EncodePipeline::observe(const RawFrame& frame)
{
    for (RawFrameObserver* observer : rawObservers_)
        observer->onRawFrame(frame);
}

PipelineStats EncodePipeline::stats() const
{
    std::lock_guard lock(statsMutex_);
    return stats_;
}

void EncodePipeline::onFrame(FramePtr frame)
{
    // Source thread: count, park, return.
    bool idle = !sink_.wanted();
    bool replaced = false;
    if (!idle) {
        std::lock_guard lock(mutex_);
        replaced = pending_ != nullptr;
        pending_ = std::move(frame);
    }
    {
        std::lock_guard lock(statsMutex_);
        ++stats_.framesIn;
        stats_.framesIdle += idle ? 1 : 0;
        stats_.framesDropped += replaced ? 1 : 0;
    }
    if (!idle)
        wake_.notify_one();
}

void EncodePipeline::run()
{
    for (;;) {
        FramePtr frame;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || pending_; });
            if (stopping_)
                return;
            frame = std::move(pending_);
        }
        const RungMask rungs = sink_.wantedRungs();
        if (rungs == 0) {
            std::lock_guard lock(statsMutex_);
            ++stats_.framesIdle;
            continue;
        }
        try {
            encode(std::move(frame), rungs);
        } catch (const std::exception& error) {
            spdlog::error("encoding a frame failed: {}", error.what());
        }
    }
}

void EncodePipeline::encode(FramePtr frame, RungMask rungs)
{
    if (frame->format == PixelFormat::Mjpeg) {
        passThrough(std::move(frame));
        return;
    }
    // A webcam's YUYV becomes 4:2:0 here, after the mailbox: frames replaced
    // there are never converted.
    const RawFrame& picture = frame->format == PixelFormat::Yuyv ? yuyv_.toYuv420(*frame) : *frame;
    std::array<std::shared_ptr<EncodedFrame>, 2> fullSize;
    for (const Rung rung : {Rung::Full, Rung::Lower})
        if (rungs & maskOf(rung))
            fullSize[indexOf(rung)] = encodeRung(picture, rung);
    observe(picture);
    const bool half = (rungs & (maskOf(Rung::Half) | maskOf(Rung::HalfLower))) != 0;
    const RawFrame* small = half ? &halfScaler_.half(picture) : nullptr;
    frame.reset(); // the source's buffer goes back now, before anyone sees the JPEG
    {
        std::lock_guard lock(statsMutex_);
        ++stats_.framesOut;
    }
    for (auto& out : fullSize)
        if (out) {
            const bool full = out->rung() == Rung::Full;
            finish(std::move(out), full);
        }
    if (small)
        for (const Rung rung : {Rung::Half, Rung::HalfLower})
            if (rungs & maskOf(rung))
                finish(encodeRung(*small, rung), false);
}

void EncodePipeline::passThrough(FramePtr frame)
{
    // Nothing smaller is made from a JPEG we never decode: it serves every rung.
    auto out = framePool_.acquire();
    out->header = {};
    out->header.sequence = frame->sequence;
    out->header.captureMicros = frame->captureMicros;
    out->header.width = static_cast<std::uint16_t>(frame->width);
    out->header.height = static_cast<std::uint16_t>(frame->height);
    out->covers = kAllRungs;
    out->encodeMillis = out->gzipMillis = 0;
    observe(*frame);
    if (!hasHuffmanTables(frame->jpeg) &&
        insertStandardHuffmanTables(frame->jpeg, out->jpegStorage)) {
        // A webcam's "AVI1" frame: sent complete, so it stands alone.
        out->jpeg = out->jpegStorage.span();
        frame.reset();
    } else {
        out->jpeg = frame->jpeg; // pass-through: the source's bytes go to the socket
        out->source = std::move(frame);
    }
    {
        std::lock_guard lock(statsMutex_);
        ++stats_.framesOut;
    }
    finish(std::move(out), true);
}

std::shared_ptr<EncodedFrame> EncodePipeline::encodeRung(const RawFrame& picture, Rung rung)
{
    auto out = framePool_.acquire();
    out->header = {};
    out->header.sequence = picture.sequence;
    out->header.captureMicros = picture.captureMicros;
    out->header.width = static_cast<std::uint16_t>(picture.width);
    out->header.height = static_cast<std::uint16_t>(picture.height);
    out->header.rung = static_cast<std::uint8_t>(rung);
    out->covers = maskOf(rung);
    out->gzipMillis = 0;
    const auto start = std::chrono::steady_clock::now();
    jpeg_.setQuality(lowerQuality(rung) ? config_.lowerQuality : config_.quality);
    jpeg_.encode(picture, out->jpegStorage);
    out->encodeMillis = millisSince(start);
    out->jpeg = out->jpegStorage.span();
    {
        std::lock_guard lock(statsMutex_);
        ++stats_.rungEncodes[indexOf(rung)];
        stats_.encodeMillis += out->encodeMillis;
    }
    return out;
}

void EncodePipeline::finish(std::shared_ptr<EncodedFrame> out, bool mayGzip)
{
    // Gzip pays only on flat pictures, and the policy learns from full-size
    // frames; the small rungs, sent where bandwidth is short, go as they are.
    bool gzipped = false;
    if (mayGzip && gzip_ && gzipPolicy_.shouldCompress()) {
        const auto start = std::chrono::steady_clock::now();
        gzip_->compress(out->jpeg, out->gzipStorage);
        out->gzipMillis = millisSince(start);
        gzipped = gzipPolicy_.record(out->jpeg.size(), out->gzipStorage.size());
        gzipPaused_ = gzipPolicy_.paused();
    }
    out->header.readyMicros = monotonicMicros();
    out->seal(gzipped);
    if (mayGzip) {
        std::lock_guard lock(statsMutex_);
        stats_.gzippedFrames += gzipped ? 1 : 0;
        stats_.jpegBytes += out->jpeg.size();
        stats_.payloadBytes += out->payload.size();
        stats_.gzipMillis += out->gzipMillis;
    }
    sink_.publish(std::move(out));
}

} // namespace pistream
