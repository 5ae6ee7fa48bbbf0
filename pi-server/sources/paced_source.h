#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sources/frame_source.h"

namespace pistream {

// A source that makes its frames on its own thread at a steady rate: the test
// pattern and the file sources. A late tick is skipped rather than bursted, so
// a stalled consumer never causes a flood of stale frames afterwards.
class PacedSource : public FrameSource {
public:
    ~PacedSource() override;

    void start(Callbacks callbacks) override;
    void stop() override;

protected:
    // Makes frame number `sequence`; nullptr drops it (e.g. every buffer is in
    // flight). Runs on the source thread only.
    virtual FramePtr produce(std::uint64_t sequence, std::int64_t captureMicros) = 0;

private:
    void run();

    Callbacks callbacks_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};
};

} // namespace pistream
