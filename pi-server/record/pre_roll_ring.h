#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "core/encoded_frame.h"

namespace pistream {

struct PreRollConfig {
    std::chrono::milliseconds span{5000}; // --pre-roll
    std::size_t maxBytes = 32u << 20;     // a Pi Zero 2 W has 512 MB in all
};

// The last few seconds of encoded frames, so a motion clip can start before
// the motion did: nothing is re-encoded, the frames are the ones the viewers
// got. Bounded by the span of capture times AND by the JPEG bytes held,
// whichever bites first (the oldest frames go). Pure: the time is the
// frames' own capture time; not thread-safe (the io thread owns it).
class PreRollRing {
public:
    explicit PreRollRing(const PreRollConfig& config = {}) : config_(config) {}

    // Keeps `frame` and drops what falls out of the span or the byte cap. A
    // frame whose capture time goes back (a source restarted) empties the ring
    // first: the clip's times must rise.
    void push(EncodedFramePtr frame);
    // The frames held, oldest first, and the ring emptied.
    std::deque<EncodedFramePtr> take();
    // The frame with this sequence number if it is still held.
    EncodedFramePtr find(std::uint64_t sequence) const;
    void clear();
    const std::deque<EncodedFramePtr>& frames() const { return frames_; }

    std::size_t size() const { return frames_.size(); }
    std::size_t bytes() const { return bytes_; }
    std::uint64_t evicted() const { return evicted_; }
    bool empty() const { return frames_.empty(); }
    // Capture time of the newest minus the oldest, in microseconds.
    std::int64_t spanMicros() const;

private:
    void evict();

    PreRollConfig config_;
    std::deque<EncodedFramePtr> frames_;
    std::size_t bytes_ = 0;
    std::uint64_t evicted_ = 0;
};

} // namespace pistream
