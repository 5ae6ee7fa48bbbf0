#include "connection/clock_sync.h"

#include <algorithm>

namespace pistream {

bool ClockSync::addSample(std::int64_t sentMicros, std::int64_t serverMicros,
                          std::int64_t receivedMicros)
{
    std::int64_t roundTrip = 0;
    std::int64_t offset = 0;
    // sent + roundTrip / 2 lies between sent and received, so it cannot overflow.
    if (__builtin_sub_overflow(receivedMicros, sentMicros, &roundTrip) || roundTrip < 0 ||
        roundTrip > config_.maxRoundTripMicros ||
        __builtin_sub_overflow(serverMicros, sentMicros + roundTrip / 2, &offset)) {
        ++dropped_;
        return false;
    }
    samples_.push_back({roundTrip, offset});
    if (samples_.size() > std::max<std::size_t>(1, config_.window))
        samples_.pop_front();
    best_ =
        *std::min_element(samples_.begin(), samples_.end(), [](const Sample& a, const Sample& b) {
            return a.roundTrip < b.roundTrip;
        });
    return true;
}

std::optional<std::int64_t> ClockSync::offsetMicros() const
{
    if (!best_)
        return std::nullopt;
    return best_->offset;
}

std::optional<std::int64_t> ClockSync::roundTripMicros() const
{
    if (!best_)
        return std::nullopt;
    return best_->roundTrip;
}

std::optional<std::int64_t> ClockSync::toViewerClock(std::int64_t serverMicros) const
{
    std::int64_t viewer = 0;
    if (!best_ || __builtin_sub_overflow(serverMicros, best_->offset, &viewer))
        return std::nullopt;
    return viewer;
}

std::optional<std::int64_t> ClockSync::elapsedMicros(std::int64_t serverMicros,
                                                     std::int64_t viewerNowMicros) const
{
    const auto then = toViewerClock(serverMicros);
    std::int64_t elapsed = 0;
    if (!then || __builtin_sub_overflow(viewerNowMicros, *then, &elapsed))
        return std::nullopt;
    return elapsed;
}

} // namespace pistream
