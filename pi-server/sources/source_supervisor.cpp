#include "sources/source_supervisor.h"

#include <spdlog/spdlog.h>

#include "core/clock.h"

namespace pistream {

namespace {

constexpr auto kCheckEvery = std::chrono::milliseconds(100);
constexpr auto kFirstRetry = std::chrono::milliseconds(500);
constexpr auto kMaxRetry = std::chrono::milliseconds(5000);

} // namespace

SourceSupervisor::SourceSupervisor(std::unique_ptr<FrameSource> first, Opener open,
                                   std::chrono::milliseconds stallAfter)
    : open_(std::move(open)), stallAfter_(stallAfter), format_(first->format()),
      description_(first->describe()), current_(std::move(first))
{}

SourceSupervisor::~SourceSupervisor()
{
    stop();
}

void SourceSupervisor::start(Callbacks callbacks)
{
    callbacks_ = std::move(callbacks);
    stopping_ = false;
    lastFrameMicros_ = monotonicMicros();
    startCurrent();
    if (callbacks_.onState)
        callbacks_.onState(SourceState::Live, description_);
    watcher_ = std::thread([this] { watch(); });
}

void SourceSupervisor::stop()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (watcher_.joinable())
        watcher_.join();
    if (current_)
        current_->stop();
}

void SourceSupervisor::startCurrent()
{
    // The inner source's state reports are not forwarded: whether the source
    // is live is decided here, by frames arriving; a source that reports
    // itself down is restarted without waiting for the stall timeout.
    current_->start({[this](FramePtr frame) { deliver(std::move(frame)); },
                     [this](SourceState state, const std::string& why) {
                         if (state == SourceState::Down)
                             fail(why);
                     }});
}

void SourceSupervisor::fail(const std::string& why)
{
    {
        std::lock_guard lock(mutex_);
        failure_ = why;
    }
    wake_.notify_all();
}

void SourceSupervisor::deliver(FramePtr frame)
{
    lastFrameMicros_ = monotonicMicros();
    if (down_.exchange(false)) {
        spdlog::info("source is back: {}", description_);
        if (callbacks_.onState)
            callbacks_.onState(SourceState::Live, "source is back: " + description_);
    }
    const std::uint64_t sequence = frame->sequence + sequenceBase_;
    nextSequence_ = sequence + 1;
    if (sequenceBase_ > 0) {
        // Renumber without copying pixels: a small frame header that keeps the
        // original (and its buffer) alive.
        auto renumbered = std::make_shared<std::pair<FramePtr, RawFrame>>(frame, *frame);
        renumbered->second.sequence = sequence;
        frame = FramePtr(renumbered, &renumbered->second);
    }
    callbacks_.onFrame(std::move(frame));
}

void SourceSupervisor::watch()
{
    auto retry = kFirstRetry;
    int attempt = 0; // restarts in the current outage
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, kCheckEvery, [this] { return stopping_.load() || !failure_.empty(); });
        if (stopping_)
            return;
        const auto silent = std::chrono::microseconds(monotonicMicros() - lastFrameMicros_);
        if (silent < stallAfter_ && failure_.empty()) {
            if (!down_) {
                attempt = 0;
                retry = kFirstRetry;
            }
            continue;
        }

        const std::string why =
            !failure_.empty()
                ? failure_
                : "no frame for " +
                      std::to_string(
                          std::chrono::duration_cast<std::chrono::milliseconds>(silent).count()) +
                      " ms from " + description_;
        failure_.clear();
        if (!down_.exchange(true)) {
            spdlog::warn("source is down: {}; restarting it", why);
            if (callbacks_.onState)
                callbacks_.onState(SourceState::Down, why + "; restarting it");
        }
        // The first restart is immediate; if that does not help, back off.
        if (attempt++ > 0) {
            wake_.wait_for(lock, retry, [this] { return stopping_.load(); });
            retry = std::min(retry * 2,
                             std::chrono::duration_cast<std::chrono::milliseconds>(kMaxRetry));
            if (stopping_)
                return;
        }
        lock.unlock();
        if (current_) {
            current_->stop();
            current_.reset();
        }
        sequenceBase_ = nextSequence_;
        try {
            current_ = open_();
            ++restarts_;
            startCurrent();
        } catch (const std::exception& error) {
            spdlog::error("cannot reopen the source: {}", error.what());
            if (callbacks_.onState)
                callbacks_.onState(SourceState::Down,
                                   std::string("cannot reopen the source: ") + error.what());
        }
        lock.lock();
        lastFrameMicros_ = monotonicMicros(); // a full window for the new source to deliver
    }
}

} // namespace pistream
