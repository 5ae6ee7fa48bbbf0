#include "viewer_stats.h"

#include <algorithm>
#include <cmath>

namespace pistream {

void ViewerStats::addFrame(const FrameHeader& header, std::size_t wireBytes,
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
    if (lastSequence_) {
        if (header.sequence <= *lastSequence_)
            ++outOfOrder_;
        else
            gaps_ += header.sequence - *lastSequence_ - 1;
    }
    lastSequence_ = header.sequence;
}

void ViewerStats::addLatency(double millis)
{
    if (latencies_.size() < kMaxSamples)
        latencies_.push_back(static_cast<float>(millis));
}

double ViewerStats::seconds() const
{
    return static_cast<double>(lastMicros_ - firstMicros_) / 1e6;
}

std::optional<double> ViewerStats::latencyPercentile(double percentile) const
{
    if (latencies_.empty())
        return std::nullopt;
    std::vector<float> sorted = latencies_;
    // Nearest-rank percentile.
    const auto rank = static_cast<std::size_t>(
        std::ceil(percentile / 100.0 * static_cast<double>(sorted.size())));
    const std::size_t index = std::min(sorted.size() - 1, rank > 0 ? rank - 1 : 0);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(index), sorted.end());
    return sorted[index];
}

nlohmann::json ViewerStats::toJson() const
{
    const double span = seconds();
    nlohmann::json latency = nullptr;
    if (!latencies_.empty())
        latency = {{"p50", *latencyPercentile(50)},
                   {"p95", *latencyPercentile(95)},
                   {"p99", *latencyPercentile(99)},
                   {"max", *std::max_element(latencies_.begin(), latencies_.end())},
                   {"samples", latencies_.size()}};
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
            {"width", width_},
            {"height", height_},
            {"latency_ms", latency}};
}

} // namespace pistream
