#include "core/backoff.h"

#include <algorithm>

namespace pistream {

Backoff::Backoff(Duration first, Duration max, double jitter, unsigned seed)
    : first_(first), max_(max), current_(first), jitter_(jitter), random_(seed)
{}

Backoff::Duration Backoff::next()
{
    std::uniform_real_distribution<double> spread(1.0 - jitter_, 1.0 + jitter_);
    const auto delay = Duration(
        static_cast<Duration::rep>(static_cast<double>(current_.count()) * spread(random_)));
    current_ = std::min(max_, current_ * 2);
    return delay;
}

} // namespace pistream
