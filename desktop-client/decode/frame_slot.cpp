#include "decode/frame_slot.h"

namespace pistream {

FrameSlot::FrameSlot()
    : back_(std::make_unique<DecodedFrame>()), ready_(std::make_unique<DecodedFrame>())
{}

void FrameSlot::publish()
{
    std::lock_guard lock(mutex_);
    if (fresh_)
        ++dropped_; // the UI never saw the previous one
    std::swap(back_, ready_);
    fresh_ = true;
}

bool FrameSlot::take(std::unique_ptr<DecodedFrame>& front)
{
    std::lock_guard lock(mutex_);
    if (!fresh_)
        return false;
    if (!front)
        front = std::make_unique<DecodedFrame>();
    std::swap(front, ready_);
    fresh_ = false;
    return true;
}

std::uint64_t FrameSlot::dropped() const
{
    std::lock_guard lock(mutex_);
    return dropped_;
}

} // namespace pistream
