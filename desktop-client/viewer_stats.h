#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.h"

namespace pistream {

// What the viewer measured: frame counts, sequence gaps (frames the server
// skipped for us or never encoded), decode errors, bytes, and end-to-end
// latency from the capture timestamp to the decoded frame.
class ViewerStats {
public:
    void addFrame(const FrameHeader& header, std::size_t wireBytes, std::int64_t receivedMicros);
    void addLatency(double millis);
    void addDecodeError() { ++decodeErrors_; }

    std::uint64_t frames() const { return frames_; }
    std::uint64_t bytes() const { return bytes_; }
    std::uint64_t gaps() const { return gaps_; }
    std::uint64_t outOfOrder() const { return outOfOrder_; }
    std::uint64_t decodeErrors() const { return decodeErrors_; }
    std::uint64_t gzippedFrames() const { return gzipped_; }
    int width() const { return width_; }
    int height() const { return height_; }
    double seconds() const;
    // Percentile (0..100) of the latency samples; nothing before the first sample.
    std::optional<double> latencyPercentile(double percentile) const;

    nlohmann::json toJson() const;

private:
    static constexpr std::size_t kMaxSamples = 1'000'000; // ~9 hours at 30 fps

    std::uint64_t frames_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t gaps_ = 0;
    std::uint64_t outOfOrder_ = 0;
    std::uint64_t decodeErrors_ = 0;
    std::uint64_t gzipped_ = 0;
    std::optional<std::uint64_t> lastSequence_;
    std::int64_t firstMicros_ = 0;
    std::int64_t lastMicros_ = 0;
    int width_ = 0;
    int height_ = 0;
    std::vector<float> latencies_;
};

} // namespace pistream
