#pragma once

#include <mutex>

#include "sources/frame_source.h"

namespace pistream::test {

// A source the test drives by hand: push() delivers a frame on the caller's
// thread, setState() reports the source going down or coming back.
class FakeSource : public FrameSource {
public:
    explicit FakeSource(StreamFormat format) : format_(format) {}

    StreamFormat format() const override { return format_; }
    std::string describe() const override { return "fake source"; }
    void start(Callbacks callbacks) override
    {
        std::lock_guard lock(mutex_);
        callbacks_ = std::move(callbacks);
    }
    void stop() override
    {
        std::lock_guard lock(mutex_);
        callbacks_ = {};
    }

    // Whether start() was called (and stop() not since).
    bool started()
    {
        std::lock_guard lock(mutex_);
        return static_cast<bool>(callbacks_.onFrame);
    }

    void push(FramePtr frame)
    {
        std::lock_guard lock(mutex_);
        if (callbacks_.onFrame)
            callbacks_.onFrame(std::move(frame));
    }
    void setState(SourceState state, const std::string& text)
    {
        std::lock_guard lock(mutex_);
        if (callbacks_.onState)
            callbacks_.onState(state, text);
    }

private:
    StreamFormat format_;
    std::mutex mutex_;
    Callbacks callbacks_;
};

} // namespace pistream::test
