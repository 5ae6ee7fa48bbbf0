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

} // namespace pistream
