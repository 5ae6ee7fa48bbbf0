#pragma once

#include <chrono>
#include <optional>

namespace pistream {

// Growing totals (a number, or a struct of counters) sampled over periods of
// at least `period`: update() feeds the totals so far, and once the current
// period is long enough it closes, and first()/last()/seconds() describe it.
// Pure: the caller passes the time, so tests need no clock. A zero period
// closes on every update. Every rate the programs report (the server's stats
// line, /api/status and systemd status; the viewer's overlay, headless line
// and --stats) is measured with one of these.
template <typename Totals> class PeriodMeter {
public:
    using Clock = std::chrono::steady_clock;

    explicit PeriodMeter(Clock::duration period = std::chrono::seconds(1)) : period_(period) {}

    // True when this update closed a period. The first call only starts one.
    bool update(Clock::time_point now, const Totals& totals)
    {
        if (!start_) {
            start_ = now;
            startTotals_ = totals;
            return false;
        }
        const auto elapsed = now - *start_;
        if (elapsed < period_ || elapsed <= Clock::duration::zero())
            return false;
        first_ = startTotals_;
        last_ = totals;
        seconds_ = std::chrono::duration<double>(elapsed).count();
        start_ = now;
        startTotals_ = totals;
        return true;
    }

    // The last closed period: the totals at its start and end, and its length
    // (0 before the first one closes).
    const Totals& first() const { return first_; }
    const Totals& last() const { return last_; }
    double seconds() const { return seconds_; }

    // Forgets the periods so far.
    void reset()
    {
        start_.reset();
        first_ = last_ = Totals{};
        seconds_ = 0;
    }

private:
    Clock::duration period_;
    std::optional<Clock::time_point> start_;
    Totals startTotals_{};
    Totals first_{};
    Totals last_{};
    double seconds_ = 0;
};

// The rate of one growing total (frames, bytes) per second over the last
// closed period; 0 before the first one closes.
class RateMeter {
public:
    using Clock = std::chrono::steady_clock;

    explicit RateMeter(Clock::duration period = std::chrono::seconds(1)) : meter_(period) {}

    // Returns rate(). The first call only starts the first period.
    double update(Clock::time_point now, double total)
    {
        if (meter_.update(now, total))
            rate_ = (meter_.last() - meter_.first()) / meter_.seconds();
        return rate_;
    }

    double rate() const { return rate_; }

    // Forgets the periods so far; the rate reads 0 until the next one closes.
    void reset()
    {
        meter_.reset();
        rate_ = 0;
    }

private:
    PeriodMeter<double> meter_;
    double rate_ = 0;
};

} // namespace pistream
