#include "record/pre_roll_ring.h"

namespace pistream {

void PreRollRing::push(EncodedFramePtr frame)
{
    if (!frame)
        return;
    if (!frames_.empty() && frame->header.captureMicros < frames_.back()->header.captureMicros)
        clear();
    bytes_ += frame->jpeg.size();
    frames_.push_back(std::move(frame));
    evict();
}

void PreRollRing::evict()
{
    const std::int64_t spanLimit =
        std::chrono::duration_cast<std::chrono::microseconds>(config_.span).count();
    // The newest frame always stays: a clip has at least its trigger.
    while (frames_.size() > 1 && (bytes_ > config_.maxBytes || spanMicros() > spanLimit)) {
        bytes_ -= frames_.front()->jpeg.size();
        frames_.pop_front();
        ++evicted_;
    }
}

std::deque<EncodedFramePtr> PreRollRing::take()
{
    std::deque<EncodedFramePtr> out;
    out.swap(frames_);
    bytes_ = 0;
    return out;
}

EncodedFramePtr PreRollRing::find(std::uint64_t sequence) const
{
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
        if ((*it)->header.sequence == sequence)
            return *it;
    return nullptr;
}

void PreRollRing::clear()
{
    frames_.clear();
    bytes_ = 0;
}

std::int64_t PreRollRing::spanMicros() const
{
    if (frames_.size() < 2)
        return 0;
    return frames_.back()->header.captureMicros - frames_.front()->header.captureMicros;
}

} // namespace pistream
