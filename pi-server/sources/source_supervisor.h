#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "sources/frame_source.h"

namespace pistream {

// Keeps a source alive. It is itself a FrameSource wrapping the real one: when
// no frame arrives for `stallAfter` (a camera that hangs), or the source
// reports itself down (a camera that fails frames or is unplugged), it tells
// the viewers the source is down, stops it, opens
// a new one with `open` (retrying with backoff, 0.5 s doubling to 5 s, when
// that fails) and reports it live again with its first frame. Viewers stay
// connected throughout; sequence numbers keep rising across restarts.
class SourceSupervisor : public FrameSource {
public:
    using Opener = std::function<std::unique_ptr<FrameSource>()>;

    SourceSupervisor(std::unique_ptr<FrameSource> first, Opener open,
                     std::chrono::milliseconds stallAfter = std::chrono::seconds(2));
    ~SourceSupervisor() override;

    StreamFormat format() const override { return format_; }
    std::string describe() const override { return description_; }
    void start(Callbacks callbacks) override;
    void stop() override;

    int restarts() const { return restarts_; }

private:
    void watch();
    void deliver(FramePtr frame);
    void startCurrent();
    void fail(const std::string& why);

    Opener open_;
    std::chrono::milliseconds stallAfter_;
    StreamFormat format_;
    std::string description_;
    Callbacks callbacks_;
    std::unique_ptr<FrameSource> current_; // touched by start/stop and the watch thread only

    std::thread watcher_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::int64_t> lastFrameMicros_{0};
    std::atomic<bool> down_{false};
    std::string failure_; // what the source said when it reported itself down; under mutex_
    std::atomic<int> restarts_{0};
    std::uint64_t sequenceBase_ = 0; // added to the current source's sequence numbers
    std::atomic<std::uint64_t> nextSequence_{0};
};

} // namespace pistream
