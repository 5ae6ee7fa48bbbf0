#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "codec/gzip_compressor.h"
#include "codec/half_scaler.h"
#include "codec/parallel_jpeg_encoder.h"
#include "codec/yuyv_converter.h"
#include "core/encoded_frame.h"
#include "pipeline/frame_sink.h"
#include "pipeline/gzip_policy.h"
#include "sources/frame_source.h"

namespace pistream {

struct PipelineConfig {
    int quality = 80;
    int lowerQuality = 50; // the ladder's lower-quality rungs (--adapt-quality)
    int encodeThreads = 0; // threads per JPEG (strips); 0: the cores, at most 4
    GzipSetting gzip;
};

// Counters since start; the stats line and the benchmarks take differences.
struct PipelineStats {
    std::uint64_t framesIn = 0;      // delivered by the source
    std::uint64_t framesIdle = 0;    // not encoded: nobody was watching
    std::uint64_t framesDropped = 0; // not encoded: the encoder was still busy
    std::uint64_t framesOut = 0;     // encoded and published (at one rung or more)
    // Encodings made of each rung: one per frame while the rung is wanted,
    // whatever the number of viewers on it.
    std::array<std::uint64_t, kRungCount> rungEncodes{};
    std::uint64_t gzippedFrames = 0; // sent gzipped
    std::uint64_t jpegBytes = 0;     // JPEG bytes of published frames (full rung)
    std::uint64_t payloadBytes = 0;  // what they took on the wire after gzip (full rung)
    double encodeMillis = 0;         // total JPEG encode time, every rung
    double gzipMillis = 0;           // total gzip time (including probes not sent)
};

// Something that needs the picture itself, not the JPEG (motion detection
// reads a downscaled luma plane). Called on the encode thread right after the
// JPEG is made, before the source's buffer goes back: `frame` is valid only
// during the call, so an observer copies what it needs (quickly: the camera
// waits for the buffer) and does any heavy work on its own thread. Frames
// reach observers only while the sink wants frames; an observer that always
// needs them holds a want on the FrameHub. MJPEG pass-through frames come with
// format Mjpeg.
class RawFrameObserver {
public:
    virtual void onRawFrame(const RawFrame& frame) = 0;

protected:
    ~RawFrameObserver() = default;
};

// Source -> JPEG -> gzip -> sink (the FrameHub). The source's callback only
// parks the frame in a one-frame mailbox; the encoder thread takes the newest
// frame, so a slow encode drops frames at the source instead of queueing them,
// and the source's buffer goes back as soon as the JPEG is made. A JPEG is made
// by several cores at once (one strip each) to cut the time from capture to
// send. Each frame is encoded once per wanted rung of the adaptive ladder,
// whatever the number of consumers on it, and not at all while the sink says
// nobody wants frames. The full-size rungs are published as soon as the
// source's buffer is back, the half-size ones as each is made, best first, so
// full-size viewers never wait for the small encodings.
class EncodePipeline {
public:
    EncodePipeline(FrameSource& source, const PipelineConfig& config, FrameSink& sink);
    ~EncodePipeline();

    // Before start(); the observer outlives the pipeline's run. With none
    // registered the raw path costs nothing.
    void addRawObserver(RawFrameObserver& observer);

    void start();
    void stop(); // stops the source, then the encoder

    PipelineStats stats() const;
    const GzipSetting& gzipSetting() const { return config_.gzip; }
    int encodeThreads() const { return jpeg_.threads(); }
    bool gzipPaused() const { return gzipPaused_; }

private:
    void onFrame(FramePtr frame);
    void run();
    void encode(FramePtr frame, RungMask rungs);
    void passThrough(FramePtr frame);
    // One rung of `picture` (already at the rung's size) into a pooled frame.
    std::shared_ptr<EncodedFrame> encodeRung(const RawFrame& picture, Rung rung);
    // Gzip (full rung only), seal, count, publish.
    void finish(std::shared_ptr<EncodedFrame> out, bool mayGzip);
    void observe(const RawFrame& frame);

    FrameSource& source_;
    PipelineConfig config_;
    FrameSink& sink_;
    std::vector<RawFrameObserver*> rawObservers_;

    ParallelJpegEncoder jpeg_;
    YuyvConverter yuyv_; // webcams' packed 4:2:2, on the encode thread
    HalfScaler halfScaler_;
    std::unique_ptr<GzipCompressor> gzip_;
    GzipPolicy gzipPolicy_;
    EncodedFramePool framePool_;

    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    FramePtr pending_;
    std::atomic<bool> stopping_{false};

    mutable std::mutex statsMutex_;
    PipelineStats stats_;
    std::atomic<bool> gzipPaused_{false};
};

} // namespace pistream
