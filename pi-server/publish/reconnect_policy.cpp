#include "publish/reconnect_policy.h"

#include <algorithm>

namespace pistream {

ReconnectPolicy::ReconnectPolicy(const ReconnectLimits& limits, unsigned seed)
    : limits_(limits), wait_(limits.first), random_(seed)
{}

std::chrono::milliseconds ReconnectPolicy::failed(Clock::time_point now)
{
    std::uniform_real_distribution<double> spread(1.0 - limits_.jitter, 1.0 + limits_.jitter);
    const auto delay = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(
        static_cast<double>(wait_.count()) * spread(random_)));
    wait_ = std::min(limits_.max, wait_ * 2);
    next_ = now + delay;
    return delay;
}

void ReconnectPolicy::connected()
{
    wait_ = limits_.first;
}

void ReconnectPolicy::lost(Clock::time_point now)
{
    wait_ = limits_.first;
    next_ = now;
}

} // namespace pistream
