#pragma once

#include <chrono>
#include <cstdint>

namespace pistream {

// Microseconds on the monotonic clock (CLOCK_MONOTONIC). Capture timestamps, the
// server's pong and every latency figure use this clock; libcamera's sensor
// timestamps are on the same clock, so they can be used unchanged.
inline std::int64_t monotonicMicros()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

// Milliseconds since the Unix epoch (CLOCK_REALTIME): what recordings, the
// event index and motion events are stamped with.
inline std::int64_t unixMillis()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A time on the monotonic clock (a capture timestamp) as Unix milliseconds,
// by the two clocks' offset now.
inline std::int64_t unixMillisAt(std::int64_t monotonic)
{
    using namespace std::chrono;
    const std::int64_t offset =
        duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() -
        monotonicMicros();
    return (monotonic + offset) / 1000;
}

} // namespace pistream
