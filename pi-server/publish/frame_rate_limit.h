#pragma once

#include <cstdint>

namespace pistream {

// Lets at most `fps` frames a second through, judged by the frames' own
// capture timestamps (so it is pure, and a late frame does not shift the
// schedule). Over a long run exactly `fps` frames a second pass when more
// arrive; 0 lets every frame through.
class FrameRateLimit {
public:
    explicit FrameRateLimit(double fps)
        : intervalMicros_(fps > 0 ? static_cast<std::int64_t>(1e6 / fps) : 0)
    {}

    bool admit(std::int64_t captureMicros)
    {
        if (intervalMicros_ == 0)
            return true;
        if (started_ && captureMicros < next_)
            return false;
        // Keep to the schedule unless a whole interval was missed (a pause).
        next_ = started_ && captureMicros - next_ < intervalMicros_
                    ? next_ + intervalMicros_
                    : captureMicros + intervalMicros_;
        started_ = true;
        return true;
    }

private:
    std::int64_t intervalMicros_;
    std::int64_t next_ = 0;
    bool started_ = false;
};

} // namespace pistream
