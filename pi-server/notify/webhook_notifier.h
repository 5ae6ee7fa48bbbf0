#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/bounded_queue.h"
#include "notify/notifier.h"
#include "publish/log_throttle.h"

namespace pistream {

struct WebhookConfig {
    std::string url;                           // --webhook http(s)://...
    std::chrono::milliseconds timeout{5000};   // per attempt, connecting included
    int attempts = 3;                          // per event
    std::chrono::milliseconds retryWait{1000}; // doubled after each failed attempt
    std::size_t queueEvents = 16;              // waiting; the oldest is dropped
    std::chrono::seconds logEvery{30};
};

// A JSON POST (motionEventJson) to a URL when an event starts and when it
// ends, with libcurl on a thread of its own: a timeout per attempt, a few
// attempts with a growing wait, and a short queue, so a receiver that is slow,
// down or unreachable costs nothing else.
class WebhookNotifier final : public Notifier {
public:
    WebhookNotifier(std::string camera, WebhookConfig config);
    ~WebhookNotifier() override;

    void start() override;
    void stop() override;
    nlohmann::json status() const override;

    // MotionListener, io thread: start and end only.
    void onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change) override;

private:
    void run(const std::stop_token& stop);
    // Empty when the receiver answered 2xx; else why not.
    std::string post(const std::string& body);
    void logError(const std::string& what);

    std::string camera_;
    WebhookConfig config_;
    std::string where_; // the URL without user info or query
    BoundedQueue<std::string> queue_;
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> dropped_{0};
    mutable std::mutex errorMutex_;
    std::string lastError_;
    LogThrottle errorLog_; // worker thread
    std::jthread worker_;
};

} // namespace pistream
