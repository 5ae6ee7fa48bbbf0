#include "connection/clock_sync.h"

#include <algorithm>

namespace pistream {

void ClockSync::addSample(std::int64_t sentMicros, std::int64_t serverMicros,
                          std::int64_t receivedMicros)
{
    if (receivedMicros < sentMicros)
        return; // not from this clock: ignore
    const std::int64_t roundTrip = receivedMicros - sentMicros;
    const std::int64_t offset = serverMicros - (sentMicros + roundTrip / 2);
    samples_.push_back({roundTrip, offset});
    if (samples_.size() > window_)
        samples_.pop_front();
    best_ =
        *std::min_element(samples_.begin(), samples_.end(), [](const Sample& a, const Sample& b) {
            return a.roundTrip < b.roundTrip;
        });
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

std::int64_t ClockSync::toViewerClock(std::int64_t serverMicros) const
{
    return serverMicros - (best_ ? best_->offset : 0);
}

} // namespace pistream
