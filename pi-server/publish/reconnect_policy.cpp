#include "publish/reconnect_policy.h"

namespace pistream {

ReconnectPolicy::ReconnectPolicy(const ReconnectLimits& limits, unsigned seed)
    : backoff_(limits.first, limits.max, limits.jitter, seed)
{}

std::chrono::milliseconds ReconnectPolicy::failed(Clock::time_point now)
{
    const auto delay = backoff_.next();
    next_ = now + delay;
    return delay;
}

void ReconnectPolicy::connected()
{
    backoff_.reset();
}

void ReconnectPolicy::lost(Clock::time_point now)
{
    backoff_.reset();
    next_ = now;
}

} // namespace pistream
