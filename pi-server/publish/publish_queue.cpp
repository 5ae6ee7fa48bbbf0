#include "publish/publish_queue.h"

namespace pistream {

std::size_t PublishQueue::push(EncodedFramePtr frame)
{
    std::size_t dropped = 0;
    {
        std::lock_guard lock(mutex_);
        if (frames_.size() >= capacity_) {
            frames_.pop_front();
            dropped = 1;
        }
        frames_.push_back(std::move(frame));
    }
    ready_.notify_one();
    return dropped;
}

EncodedFramePtr PublishQueue::pop(std::chrono::steady_clock::time_point until)
{
    std::unique_lock lock(mutex_);
    ready_.wait_until(lock, until, [this] { return !frames_.empty() || woken_; });
    woken_ = false;
    if (frames_.empty())
        return nullptr;
    EncodedFramePtr frame = std::move(frames_.front());
    frames_.pop_front();
    return frame;
}

std::size_t PublishQueue::clear()
{
    std::lock_guard lock(mutex_);
    const std::size_t dropped = frames_.size();
    frames_.clear();
    return dropped;
}

void PublishQueue::wake()
{
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    ready_.notify_all();
}

std::size_t PublishQueue::size() const
{
    std::lock_guard lock(mutex_);
    return frames_.size();
}

} // namespace pistream
