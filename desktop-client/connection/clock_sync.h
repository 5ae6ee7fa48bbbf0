#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace pistream {

// Estimates the server's monotonic clock from ping/pong, NTP style: for each
// exchange, offset = server - (sent + received) / 2, and of the recent samples
// the one with the smallest round trip is trusted most (it had the least room
// for queueing delay). Viewer and server may be different machines.
class ClockSync {
public:
    explicit ClockSync(std::size_t window = 16) : window_(window) {}

    void addSample(std::int64_t sentMicros, std::int64_t serverMicros, std::int64_t receivedMicros);

    // server clock - viewer clock, once at least one sample arrived.
    std::optional<std::int64_t> offsetMicros() const;
    std::optional<std::int64_t> roundTripMicros() const;

    // A server timestamp on the viewer's clock (the offset is 0 before any sample).
    std::int64_t toViewerClock(std::int64_t serverMicros) const;

private:
    struct Sample {
        std::int64_t roundTrip;
        std::int64_t offset;
    };
    std::size_t window_;
    std::deque<Sample> samples_;
    std::optional<Sample> best_;
};

} // namespace pistream
