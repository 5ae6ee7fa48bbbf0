#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <asio/io_context.hpp>

#include "hub/frame_hub.h"
#include "publish/broker_client.h"
#include "publish/frame_rate_limit.h"
#include "publish/log_throttle.h"
#include "publish/publish_queue.h"
#include "publish/reconnect_policy.h"

namespace pistream {

struct PublisherConfig {
    std::size_t queueFrames = 4; // waiting for a slow broker; the oldest is dropped
    ReconnectLimits reconnect;
    std::chrono::seconds logEvery{30}; // one line per kind of broker error at most this often
};

// What one publisher has done since start, for /api/status and the stats line.
struct PublisherStats {
    std::string target; // the URL without its password
    bool connected = false;
    std::uint64_t published = 0;  // frames the broker took
    std::uint64_t bytes = 0;      // their JPEG bytes
    std::uint64_t dropped = 0;    // frames a slow or lost broker made us drop
    std::uint64_t reconnects = 0; // connections made again after one was lost or failed
    std::string lastError;        // "" while none
};

// Sends the hub's frames to one broker (an MQTT topic or a Redis channel). A
// FrameSubscriber like the stream viewers, it never slows them, the encoder
// or the camera: onFrame only queues the frame (PublishQueue, a few frames,
// the oldest dropped when full) and a worker thread of its own talks to the
// broker through a BrokerClient, reconnecting with ReconnectPolicy's backoff
// when the broker goes away. It wants frames encoded only while connected, so
// a publisher whose broker is down does not keep the pipeline busy.
class BrokerPublisher final : public FrameSubscriber {
public:
    // io thread (or before it runs).
    BrokerPublisher(asio::io_context& io, FrameHub& hub, PublishTarget target,
                    std::unique_ptr<BrokerClient> client, const PublisherConfig& config = {});
    ~BrokerPublisher();
    BrokerPublisher(const BrokerPublisher&) = delete;
    BrokerPublisher& operator=(const BrokerPublisher&) = delete;

    void start();
    // Stops the worker (at most a broker call's timeout); then nothing is sent.
    void stop();
    // Any thread.
    PublisherStats stats() const;
    bool connected() const { return connected_.load(); }

    void onFrame(const EncodedFramePtr& frame) override;

private:
    void run(const std::stop_token& stop);
    void setConnected(bool connected);
    void logError(const std::string& what);

    asio::io_context& io_;
    PublishTarget target_;
    std::string name_; // target_.describe()
    std::unique_ptr<BrokerClient> client_;
    PublisherConfig config_;
    FrameHub::Subscription subscription_;
    FrameRateLimit rateLimit_; // io thread
    PublishQueue queue_;
    std::shared_ptr<char> alive_ = std::make_shared<char>(); // for handlers posted to io

    std::atomic<bool> connected_{false};
    std::atomic<std::uint64_t> published_{0};
    std::atomic<std::uint64_t> bytes_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> reconnects_{0};
    mutable std::mutex errorMutex_;
    std::string lastError_;
    LogThrottle errorLog_;   // worker thread
    LogThrottle connectLog_; // worker thread
    std::jthread worker_;
};

} // namespace pistream
