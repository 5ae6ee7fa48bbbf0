#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace pistream {

// Items waiting for a worker thread that talks to something slow (a broker, a
// web hook): at most `capacity`; a new item pushes the oldest out, so a slow
// or absent peer gets the newest items, late, never an ever longer backlog.
// One thread (the io thread) pushes, the worker pops.
template <class T> class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

    // Returns how many items were dropped to make room (0 or 1).
    std::size_t push(T item)
    {
        std::size_t dropped = 0;
        {
            std::lock_guard lock(mutex_);
            if (items_.size() >= capacity_) {
                items_.pop_front();
                dropped = 1;
            }
            items_.push_back(std::move(item));
        }
        ready_.notify_one();
        return dropped;
    }

    // The oldest item, waiting until `until` for one; nothing if none came or
    // wake() was called.
    std::optional<T> pop(std::chrono::steady_clock::time_point until)
    {
        std::unique_lock lock(mutex_);
        ready_.wait_until(lock, until, [this] { return !items_.empty() || woken_; });
        woken_ = false;
        if (items_.empty())
            return std::nullopt;
        std::optional<T> item(std::move(items_.front()));
        items_.pop_front();
        return item;
    }

    // Drops every waiting item; returns how many.
    std::size_t clear()
    {
        std::lock_guard lock(mutex_);
        const std::size_t dropped = items_.size();
        items_.clear();
        return dropped;
    }

    // Makes a waiting pop() return now (to stop).
    void wake()
    {
        {
            std::lock_guard lock(mutex_);
            woken_ = true;
        }
        ready_.notify_all();
    }

    std::size_t size() const
    {
        std::lock_guard lock(mutex_);
        return items_.size();
    }
    std::size_t capacity() const { return capacity_; }

private:
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<T> items_;
    bool woken_ = false;
};

} // namespace pistream
