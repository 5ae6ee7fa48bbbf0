#include "sources/paced_source.h"

#include <chrono>

#include "core/clock.h"

namespace pistream {

PacedSource::~PacedSource()
{
    // Derived classes must stop() in their own destructor, before their state
    // goes; this is the safety net for the thread itself.
    stop();
}

void PacedSource::start(Callbacks callbacks)
{
    stop();
    callbacks_ = std::move(callbacks);
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void PacedSource::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void PacedSource::run()
{
    using clock = std::chrono::steady_clock;
    const StreamFormat fmt = format();
    const auto period = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(static_cast<double>(fmt.fpsDenominator) / fmt.fpsNumerator));

    if (callbacks_.onState)
        callbacks_.onState(SourceState::Live, describe());

    std::uint64_t sequence = 0;
    auto deadline = clock::now();
    while (!stopping_) {
        if (FramePtr frame = produce(sequence, monotonicMicros()))
            callbacks_.onFrame(std::move(frame));
        ++sequence;

        deadline += period;
        const auto now = clock::now();
        if (now > deadline + period) {
            // More than a frame late: skip the missed ticks instead of bursting.
            const auto missed = (now - deadline) / period;
            sequence += static_cast<std::uint64_t>(missed);
            deadline += missed * period;
        }
        std::unique_lock lock(mutex_);
        wake_.wait_until(lock, deadline, [this] { return stopping_.load(); });
    }
}

} // namespace pistream
