#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "codec/gzip_compressor.h"
#include "codec/parallel_jpeg_encoder.h"
#include "core/encoded_frame.h"
#include "pipeline/gzip_policy.h"
#include "sources/frame_source.h"

namespace pistream {

struct PipelineConfig {
    int quality = 80;
    int encodeThreads = 0; // threads per JPEG (strips); 0: the cores, at most 4
    GzipSetting gzip;
};

// Counters since start; the stats line and the benchmarks take differences.
struct PipelineStats {
    std::uint64_t framesIn = 0;      // delivered by the source
    std::uint64_t framesIdle = 0;    // not encoded: nobody was watching
    std::uint64_t framesDropped = 0; // not encoded: the encoder was still busy
    std::uint64_t framesOut = 0;     // encoded and published
    std::uint64_t gzippedFrames = 0; // sent gzipped
    std::uint64_t jpegBytes = 0;     // JPEG bytes of published frames
    std::uint64_t payloadBytes = 0;  // what they took on the wire after gzip
    double encodeMillis = 0;         // total JPEG encode time
    double gzipMillis = 0;           // total gzip time (including probes not sent)
};

// Source -> JPEG -> gzip -> publish. The source's callback only parks the frame
// in a one-frame mailbox; the encoder thread takes the newest frame, so a slow
// encode drops frames at the source instead of queueing them, and the source's
// buffer goes back as soon as the JPEG is made. A JPEG is made by several cores
// at once (one strip each) to cut the time from capture to send. Each frame is
// encoded once, whatever the number of viewers, and not at all while `wanted`
// says nobody is watching.
class EncodePipeline {
public:
    using Publish = std::function<void(EncodedFramePtr)>;
    using Wanted = std::function<bool()>;
    using StateChange = std::function<void(SourceState, const std::string&)>;

    EncodePipeline(FrameSource& source, const PipelineConfig& config, Publish publish,
                   Wanted wanted, StateChange onState);
    ~EncodePipeline();

    void start();
    void stop(); // stops the source, then the encoder

    PipelineStats stats() const;
    const GzipSetting& gzipSetting() const { return config_.gzip; }
    int encodeThreads() const { return jpeg_.threads(); }
    bool gzipPaused() const { return gzipPaused_; }

private:
    void onFrame(FramePtr frame);
    void run();
    EncodedFramePtr encode(FramePtr frame);

    FrameSource& source_;
    PipelineConfig config_;
    Publish publish_;
    Wanted wanted_;
    StateChange onState_;

    ParallelJpegEncoder jpeg_;
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
