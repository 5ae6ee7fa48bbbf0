#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>

#include "protocol/messages.h"
#include "stats/latency_window.h"

namespace pistream {

// What the viewer measured: frame counts, sequence gaps (frames the server
// skipped for us or never encoded), decode errors, bytes, and end-to-end
// latency from the capture timestamp to the decoded frame. Its memory is
// bounded however long it runs: percentiles come from the newest samples.
class ViewerStats {
public:
    // About 70 minutes at 30 fps; a float each.
    static constexpr std::size_t kLatencySamples = std::size_t(1) << 17;

    ViewerStats() : latencies_(kLatencySamples) {}

    // Counts the frame. Within a connection the sequence rises (a jump is
    // frames dropped) and capture times do not fall; a sequence that repeats
    // or goes back counts as out of order, never as a gap. Returns whether the
    // frame's timestamps may be used for latency: capture_us not below the
    // connection's last one, and ready_us not before capture_us.
    bool addFrame(const FrameHeader& header, std::size_t wireBytes, std::int64_t receivedMicros);
    void addLatency(double millis);
    // A frame whose timestamps were left out of the latency figures.
    void addUntimed() { ++untimed_; }
    void addDecodeError() { ++decodeErrors_; }
    // A new connection: its first sequence number is neither a gap nor out of
    // order, and its capture times start afresh.
    void restartSequence()
    {
        lastSequence_.reset();
        lastCapture_.reset();
    }

    std::uint64_t frames() const { return frames_; }
    std::uint64_t bytes() const { return bytes_; }
    std::uint64_t gaps() const { return gaps_; }
    std::uint64_t outOfOrder() const { return outOfOrder_; }
    std::uint64_t decodeErrors() const { return decodeErrors_; }
    std::uint64_t untimed() const { return untimed_; }
    std::uint64_t gzippedFrames() const { return gzipped_; }
    int width() const { return width_; }
    // 1.2: the rung of the newest frame (raw, as the server sent it), how
    // often it changed, and the frames at each known rung.
    std::uint8_t rung() const { return rung_; }
    std::uint64_t rungChanges() const { return rungChanges_; }
    const std::array<std::uint64_t, kRungCount>& rungFrames() const { return rungFrames_; }
    int height() const { return height_; }
    double seconds() const;
    // Percentile (0..100) of the newest latency samples; nothing before the first sample.
    std::optional<double> latencyPercentile(double percentile) const;
    const LatencyWindow& latencies() const { return latencies_; }

    nlohmann::json toJson() const;

private:
    std::uint64_t frames_ = 0;
    std::uint64_t bytes_ = 0;
    std::uint64_t gaps_ = 0;
    std::uint64_t outOfOrder_ = 0;
    std::uint64_t decodeErrors_ = 0;
    std::uint64_t gzipped_ = 0;
    std::uint64_t untimed_ = 0;
    std::optional<std::uint64_t> lastSequence_;
    std::optional<std::int64_t> lastCapture_;
    std::int64_t firstMicros_ = 0;
    std::int64_t lastMicros_ = 0;
    int width_ = 0;
    int height_ = 0;
    std::uint8_t rung_ = 0;
    std::uint64_t rungChanges_ = 0;
    std::array<std::uint64_t, kRungCount> rungFrames_{};
    LatencyWindow latencies_;
};

} // namespace pistream
