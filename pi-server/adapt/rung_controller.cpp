#include "adapt/rung_controller.h"

#include <algorithm>
#include <cmath>

namespace pistream {

namespace {

// Bytes per frame of each rung against the full rung, for a rung not seen
// yet: about what libjpeg-turbo gives on camera pictures at quality 80 and
// 50 (measured on bench.py's photograph pan). Corrected as soon as one is seen.
constexpr std::array<double, kRungCount> kTypicalShare{1.0, 0.55, 0.3, 0.17};
constexpr double kSizeWeight = 0.2;  // smoothing of the bytes per frame
constexpr double kRateSeconds = 0.5; // time constant of the recent delivery rate

} // namespace

RungController::RungController(AdaptPolicy policy, const AdaptConfig& config)
    : policy_(policy), config_(config), upAfter_(config.upAfter)
{}

void RungController::setPolicy(AdaptPolicy policy)
{
    policy_ = policy;
    if (policy_ != AdaptPolicy::Framerate)
        rung_ = ceiling_;
}

void RungController::setCeiling(Clock::time_point now, Rung ceiling)
{
    if (ceiling == ceiling_)
        return;
    const bool raised = ceiling < ceiling_;
    ceiling_ = ceiling;
    if ((raised || rung_ < ceiling_) && rung_ != ceiling_) {
        change(now, ceiling_);
        steppedUp_ = false; // asked for, not a guess to be taken back
        headroomSince_.reset();
        skips_.clear();
    }
}

void RungController::noteFrame(Rung rung, std::size_t bytes, std::int64_t captureMicros)
{
    double& mean = bytes_[indexOf(rung)];
    const auto size = static_cast<double>(bytes);
    mean = mean == 0 ? size : mean + kSizeWeight * (size - mean);
    if (captureMicros > lastCapture_) {
        if (lastCapture_ != 0) {
            const double interval = static_cast<double>(captureMicros - lastCapture_) / 1e6;
            const double rate = interval > 0 ? 1 / interval : 0;
            // A pause (the source down, nobody watching) is no frame rate.
            if (interval < 2)
                fps_ = fps_ == 0 ? rate : fps_ + 0.1 * (rate - fps_);
        }
        lastCapture_ = captureMicros;
    }
}

void RungController::noteSkipped(Clock::time_point now, std::size_t frames)
{
    for (std::size_t i = 0; i < frames && skips_.size() < 64; ++i)
        skips_.push_back(now);
}

double RungController::bytesPerFrame(Rung rung) const
{
    if (bytes_[indexOf(rung)] > 0)
        return bytes_[indexOf(rung)];
    // Not seen: scale from the nearest rung that was.
    for (std::size_t distance = 1; distance < kRungCount; ++distance)
        for (const std::size_t other : {indexOf(rung) + distance, indexOf(rung) - distance})
            if (other < kRungCount && bytes_[other] > 0)
                return bytes_[other] * kTypicalShare[indexOf(rung)] / kTypicalShare[other];
    return 0;
}

bool RungController::congested(Clock::time_point now) const
{
    const auto since = now - config_.congestionWindow;
    const auto recent =
        std::count_if(skips_.begin(), skips_.end(), [since](auto at) { return at >= since; });
    return static_cast<std::size_t>(recent) >= config_.congestedSkips;
}

Rung RungController::bestFitting(double rate, double headroom, Rung from) const
{
    for (std::size_t index = indexOf(from); index < kRungCount; ++index) {
        const auto rung = static_cast<Rung>(index);
        if (bytesPerFrame(rung) * fps_ * headroom <= rate)
            return rung;
    }
    return Rung::HalfLower;
}

void RungController::change(Clock::time_point now, Rung rung)
{
    steppedUp_ = rung < rung_;
    rung_ = rung;
    lastChange_ = now;
    ++changes_;
}

Rung RungController::update(Clock::time_point now, const LinkSample& sample)
{
    // Forget what is out of the windows.
    while (!skips_.empty() && skips_.front() < now - config_.congestionWindow)
        skips_.pop_front();

    if (sample.deliveryRate > 0) {
        const double seconds = lastSample_ == Clock::time_point{}
                                   ? kRateSeconds
                                   : std::chrono::duration<double>(now - lastSample_).count();
        const double weight = 1 - std::exp(-std::max(seconds, 0.0) / kRateSeconds);
        recent_ =
            recent_ == 0 ? sample.deliveryRate : recent_ + weight * (sample.deliveryRate - recent_);
        lastSample_ = now;
    }
    // A sample taken while we had plenty to send measured the link itself:
    // the bottleneck's pace, at once, where the smoothed rate still remembers
    // the faster link for half a second. One without a rate clears it.
    latest_ = sample.appLimited ? 0 : sample.deliveryRate;
    if (policy_ != AdaptPolicy::Framerate)
        return rung_ = ceiling_;

    const bool congestedNow = congested(now);
    if (congestedNow) {
        if (steppedUp_ && now - lastChange_ < config_.probation)
            upAfter_ = std::min(upAfter_ * 2, config_.maxUpAfter); // that step up was too much
        steppedUp_ = false;
        headroomSince_.reset();
        if (now - lastChange_ >= config_.settle && rung_ != Rung::HalfLower) {
            // Straight to the rung the link carries now, rather than one
            // step per settle: a link that fell from 16 to 4 Mbit/s is down
            // three rungs at once.
            const double rate = latest_ > 0 ? std::min(recent_, latest_) : recent_;
            const auto below = static_cast<Rung>(indexOf(rung_) + 1);
            change(now, bestFitting(rate, config_.downHeadroom, below));
            skips_.clear(); // judged again on the new rung's own skips
        }
        return rung_;
    }
    if (steppedUp_ && now - lastChange_ >= config_.probation) {
        steppedUp_ = false;
        upAfter_ = config_.upAfter; // it held: the next step up may come as soon
    }
    // Up: a better rung has fitted the recent rate, with room to spare, for
    // the whole of upAfter, with no congestion meanwhile.
    const Rung target = bestFitting(recent_, config_.upHeadroom, ceiling_);
    if (rung_ == ceiling_ || target >= rung_) {
        headroomSince_.reset();
    } else if (!headroomSince_) {
        headroomSince_ = now;
    } else if (now - *headroomSince_ >= upAfter_ && now - lastChange_ >= upAfter_) {
        change(now, target);
        headroomSince_.reset();
    }
    return rung_;
}

} // namespace pistream
