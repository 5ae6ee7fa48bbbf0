#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

#include "core/encoded_frame.h"

namespace pistream {

// The frames waiting for one publisher's broker: at most `capacity`; a new
// frame pushes the oldest out (a slow broker gets the newest frames, late,
// never an ever longer backlog). The io thread pushes, the publisher's
// worker pops.
class PublishQueue {
public:
    explicit PublishQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

    // Returns how many frames were dropped to make room (0 or 1).
    std::size_t push(EncodedFramePtr frame);
    // The oldest frame, waiting until `until` for one; nullptr if none came
    // or wake() was called.
    EncodedFramePtr pop(std::chrono::steady_clock::time_point until);
    // Drops every waiting frame; returns how many.
    std::size_t clear();
    // Makes a waiting pop() return now (to stop).
    void wake();
    std::size_t size() const;
    std::size_t capacity() const { return capacity_; }

private:
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<EncodedFramePtr> frames_;
    bool woken_ = false;
};

} // namespace pistream
