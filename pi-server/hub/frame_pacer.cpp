#include "hub/frame_pacer.h"

#include <algorithm>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "adapt/link_sample.h"

namespace pistream {

namespace {

constexpr auto kFirstPoll = std::chrono::milliseconds(2);
constexpr auto kMaxPoll = std::chrono::milliseconds(64); // a dead peer costs ~16 wakeups/s

} // namespace

FramePacer::FramePacer(asio::ip::tcp::socket& socket, const PacingLimits& limits)
    : socket_(socket), limits_(limits), timer_(socket.get_executor()), poll_(kFirstPoll),
      controller_(limits.adapt, limits.adaptConfig)
{}

void FramePacer::setPolicy(AdaptPolicy policy)
{
    const Rung before = controller_.rung();
    controller_.setPolicy(policy);
    reportChange(before);
}

void FramePacer::setCeiling(Rung ceiling)
{
    const Rung before = controller_.rung();
    controller_.setCeiling(std::chrono::steady_clock::now(), ceiling);
    reportChange(before);
}

void FramePacer::reportChange(Rung before)
{
    if (controller_.rung() != before && rungChanged_)
        rungChanged_(controller_.rung());
}

std::size_t FramePacer::offer(EncodedFramePtr frame)
{
    controller_.noteFrame(frame->rung(), frame->wireSize(), frame->header.captureMicros);
    std::size_t skipped = 0;
    if (frames_.size() >= std::max<std::size_t>(limits_.maxQueuedFrames, 1)) {
        frames_.pop_front(); // the consumer is behind: it skips to the newest
        skipped = 1;
        controller_.noteSkipped(std::chrono::steady_clock::now(), skipped);
    }
    frames_.push_back(std::move(frame));
    return skipped;
}

std::optional<std::size_t> FramePacer::adapt()
{
    if (controller_.policy() != AdaptPolicy::Framerate)
        return std::nullopt;
    const auto sample = readLinkSample(socket_.native_handle());
    if (!sample)
        return std::nullopt;
    const Rung before = controller_.rung();
    controller_.update(std::chrono::steady_clock::now(), *sample);
    reportChange(before);
    return sample->unsentBytes;
}

FramePacer::Next FramePacer::next(std::function<void()> retry)
{
    if (frames_.empty() || waiting_)
        return {};
    // The sample already read the socket's queue (SIOCOUTQ): not twice per frame.
    const auto unsent = adapt();
    if ((unsent ? *unsent : outstandingBytes()) > limits_.maxOutstandingBytes) {
        // The link is behind: ask again shortly, less often the longer it lasts.
        waiting_ = waited_ = true;
        timer_.expires_after(poll_);
        poll_ = std::min(poll_ * 2, std::chrono::milliseconds(kMaxPoll));
        timer_.async_wait([this, retry = std::move(retry)](const std::error_code& error) {
            if (error)
                return; // cleared, or the session is going: `this` may be gone
            waiting_ = false;
            retry();
        });
        return {};
    }
    poll_ = kFirstPoll;
    Next next;
    if (waited_) {
        // Frames came while the link was behind: the newest goes, the rest are skipped.
        next.skipped = frames_.size() - 1;
        controller_.noteSkipped(std::chrono::steady_clock::now(), next.skipped);
        next.frame = std::move(frames_.back());
        frames_.clear();
        waited_ = false;
    } else {
        next.frame = std::move(frames_.front());
        frames_.pop_front();
    }
    return next;
}

void FramePacer::clear()
{
    frames_.clear();
    timer_.cancel();
    waiting_ = waited_ = false;
}

std::size_t FramePacer::outstandingBytes() const
{
    int bytes = 0;
    if (::ioctl(socket_.native_handle(), SIOCOUTQ, &bytes) != 0)
        return 0;
    return static_cast<std::size_t>(bytes);
}

} // namespace pistream
