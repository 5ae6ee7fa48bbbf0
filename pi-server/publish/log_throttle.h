#pragma once

#include <chrono>
#include <cstdint>

namespace pistream {

// At most one log line per `period` for a recurring error (a broker that is
// down fails every attempt); the lines held back are counted, so the next
// line can say how many there were. Pure: the time is passed in.
class LogThrottle {
public:
    using Clock = std::chrono::steady_clock;

    explicit LogThrottle(Clock::duration period = std::chrono::seconds(30)) : period_(period) {}

    // Whether to log now; if so, suppressed() says how many were held back since.
    bool allow(Clock::time_point now)
    {
        if (logged_ && now - last_ < period_) {
            ++pending_;
            return false;
        }
        suppressed_ = pending_;
        pending_ = 0;
        last_ = now;
        logged_ = true;
        return true;
    }
    std::uint64_t suppressed() const { return suppressed_; }

private:
    Clock::duration period_;
    Clock::time_point last_{};
    bool logged_ = false;
    std::uint64_t pending_ = 0;
    std::uint64_t suppressed_ = 0;
};

} // namespace pistream
