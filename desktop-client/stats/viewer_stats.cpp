#include "stats/viewer_stats.h"

#include <nlohmann/json.hpp>

namespace pistream {

bool ViewerStats::addFrame(const FrameHeader& header, std::size_t wireBytes,
                           std::int64_t receivedMicros)
{
    if (frames_ == 0)
        firstMicros_ = receivedMicros;
    lastMicros_ = receivedMicros;
    ++frames_;
    bytes_ += wireBytes;
    gzipped_ += (header.flags & kFrameFlagGzip) ? 1 : 0;
    width_ = header.width;
    height_ = header.height;
    if (frames_ > 1 && header.rung != rung_)
        ++rungChanges_;
    rung_ = header.rung;
    if (header.rung < kRungCount)
        ++rungFrames_[header.rung];
    if (lastSequence_) {
        if (header.sequence <= *lastSequence_)
            ++outOfOrder_;
        else
            gaps_ += header.sequence - *lastSequence_ - 1;
    }
    lastSequence_ = header.sequence;

    const bool inOrder = (!lastCapture_ || header.captureMicros >= *lastCapture_) &&
                         header.readyMicros >= header.captureMicros;
    if (inOrder)
        lastCapture_ = header.captureMicros;
    else
        ++untimed_;
    return inOrder;
}

void ViewerStats::addLatency(double millis)
{
    latencies_.add(millis);
}

double ViewerStats::seconds() const
{
    return static_cast<double>(lastMicros_ - firstMicros_) / 1e6;
}

std::optional<double> ViewerStats::latencyPercentile(double percentile) const
{
    return latencies_.percentile(percentile);
}

nlohmann::json ViewerStats::toJson() const
{
    const double span = seconds();
    nlohmann::json latency = nullptr;
    if (latencies_.count() > 0)
        latency = {{"p50", *latencyPercentile(50)},
                   {"p95", *latencyPercentile(95)},
                   {"p99", *latencyPercentile(99)},
                   {"max", *latencies_.max()},
                   {"samples", latencies_.count()}};
    return {{"frames", frames_},
            {"seconds", span},
            {"fps", span > 0 && frames_ > 1 ? static_cast<double>(frames_ - 1) / span : 0.0},
            {"bytes", bytes_},
            {"bytes_per_frame",
             frames_ ? static_cast<double>(bytes_) / static_cast<double>(frames_) : 0.0},
            {"gzipped_frames", gzipped_},
            {"sequence_gaps", gaps_},
            {"out_of_order", outOfOrder_},
            {"decode_errors", decodeErrors_},
            {"untimed_frames", untimed_},
            {"width", width_},
            {"height", height_},
            {"rung", rung_},
            {"rung_changes", rungChanges_},
            {"rung_frames",
             {{"full", rungFrames_[0]},
              {"lower", rungFrames_[1]},
              {"half", rungFrames_[2]},
              {"half-lower", rungFrames_[3]}}},
            {"latency_ms", latency}};
}

} // namespace pistream
