#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace pistream {

// Estimates the server's monotonic clock from ping/pong, NTP style: for each
// exchange, offset = server - (sent + received) / 2, and of the recent samples
// the one with the smallest round trip is trusted most (it had the least room
// for queueing delay). Viewer and server may be different machines.
//
// Everything it is given comes from the network, so nothing here can
// overflow: a sample whose round trip is negative or over maxRoundTrip, or
// whose offset does not fit in 64 bits, is dropped, and so is a latency that
// would not fit. The caller matches each pong to a ping it sent.
class ClockSync {
public:
    struct Config {
        std::size_t window = 16;                      // recent samples the best is taken from
        std::int64_t maxRoundTripMicros = 10'000'000; // longer: not a usable sample
    };

    ClockSync() : ClockSync(Config{}) {}
    explicit ClockSync(const Config& config) : config_(config) {}

    // Whether the sample was used (false: absurd, dropped).
    bool addSample(std::int64_t sentMicros, std::int64_t serverMicros, std::int64_t receivedMicros);

    // server clock - viewer clock, once at least one sample arrived.
    std::optional<std::int64_t> offsetMicros() const;
    std::optional<std::int64_t> roundTripMicros() const;
    std::uint64_t droppedSamples() const { return dropped_; }

    // A server timestamp on the viewer's clock; nothing before the first
    // sample, or when it does not fit in 64 bits.
    std::optional<std::int64_t> toViewerClock(std::int64_t serverMicros) const;
    // From the server's `serverMicros` to the viewer's `viewerNowMicros`;
    // nothing before the first sample, or when it does not fit in 64 bits.
    std::optional<std::int64_t> elapsedMicros(std::int64_t serverMicros,
                                              std::int64_t viewerNowMicros) const;

private:
    struct Sample {
        std::int64_t roundTrip;
        std::int64_t offset;
    };
    Config config_;
    std::deque<Sample> samples_;
    std::optional<Sample> best_;
    std::uint64_t dropped_ = 0;
};

} // namespace pistream
