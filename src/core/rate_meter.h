#pragma once

#include <chrono>
#include <optional>

namespace pistream {

// The rate of a growing total (frames, bytes) per second, measured over
// periods of at least `period`: update() feeds the total so far, and once the
// current period is long enough it closes and its rate becomes rate(). Pure:
// the caller passes the time, so tests need no clock. A zero period closes
// on every update (a rate since the last call).
class RateMeter {
public:
    using Clock = std::chrono::steady_clock;

    explicit RateMeter(Clock::duration period = std::chrono::seconds(1)) : period_(period) {}

    // Returns rate(). The first call only starts the first period.
    double update(Clock::time_point now, double total)
    {
        if (!start_) {
            start_ = now;
            startTotal_ = total;
            return rate_;
        }
        const auto elapsed = now - *start_;
        if (elapsed >= period_ && elapsed > Clock::duration::zero()) {
            rate_ = (total - startTotal_) / std::chrono::duration<double>(elapsed).count();
            start_ = now;
            startTotal_ = total;
        }
        return rate_;
    }

    // Per second over the last closed period; 0 before the first one closes.
    double rate() const { return rate_; }

    // Forgets the periods so far; the rate reads 0 until the next one closes.
    void reset()
    {
        start_.reset();
        rate_ = 0;
    }

private:
    Clock::duration period_;
    std::optional<Clock::time_point> start_;
    double startTotal_ = 0;
    double rate_ = 0;
};

} // namespace pistream
