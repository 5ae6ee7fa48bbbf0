#pragma once

#include <chrono>
#include <random>

#include "core/backoff.h"

namespace pistream {

struct ReconnectLimits {
    std::chrono::milliseconds first{250}; // the wait after the first failed attempt
    std::chrono::milliseconds max{4000};  // doubling up to this (plus jitter): a broker
                                          // that returns is found again within 5 s
    double jitter = 0.2;                  // +-20%, so cameras do not all knock at once
};

// When a publisher should try its broker again. Pure: the time is passed in.
// The first attempt is due at once; each failure doubles the wait from
// `first` to `max`; a connection that works resets it, and losing one makes
// the next attempt due at once again (a broker restart costs one try, not a wait).
class ReconnectPolicy {
public:
    using Clock = std::chrono::steady_clock;

    explicit ReconnectPolicy(const ReconnectLimits& limits = {},
                             unsigned seed = std::random_device{}());

    bool due(Clock::time_point now) const { return now >= next_; }
    Clock::time_point nextAttempt() const { return next_; }
    // An attempt failed at `now`; returns the wait until the next.
    std::chrono::milliseconds failed(Clock::time_point now);
    void connected();
    // The connection was lost at `now`.
    void lost(Clock::time_point now);

private:
    Backoff backoff_;
    Clock::time_point next_{};
};

} // namespace pistream
