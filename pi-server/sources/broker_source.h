#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "broker/broker_payload.h"
#include "broker/broker_subscriber.h"
#include "broker/publish_target.h"
#include "publish/log_throttle.h"
#include "publish/reconnect_policy.h"
#include "sources/frame_source.h"

namespace pistream {

struct BrokerSourceConfig {
    std::size_t maxPayload = kDefaultMaxPayload; // bytes of one message
    // At open: how long to wait for the first good frame, whose size is the stream's.
    std::chrono::milliseconds firstFrameTimeout{10000};
    // Viewers are told the source is down after this long without a good frame.
    std::chrono::milliseconds stallAfter{3000};
    double fps = 30; // what the hello says; the frames come as they are published
    ReconnectLimits reconnect;
    std::chrono::seconds logEvery{30}; // one line per kind of problem at most this often
};

// What a broker source has seen since it opened.
struct BrokerSourceStats {
    std::uint64_t frames = 0;     // good frames delivered
    std::uint64_t bad = 0;        // messages that were not a usable JPEG, or of another size
    std::uint64_t skipped = 0;    // good or not, replaced by a newer one before they were read
    std::uint64_t oversized = 0;  // over maxPayload
    std::uint64_t reconnects = 0; // connections made again after one was lost
    std::string lastError;        // the last bad message's or the broker's, "" while none
};

// Frames from a broker: JPEGs published to an MQTT or Kafka topic (raw or
// base64) or a Redis channel (MXCuBE JSON), passed through without re-encoding like an
// mjpeg: file's. Opening connects and waits for the first good frame: its
// size is the stream's for good, and a frame of another size later is
// skipped. Each message gets the header checks of every JPEG from outside;
// a bad one is skipped, counted and logged at a bounded rate, with the
// peer's bytes escaped. Live video, not a backlog: a thread of its own takes
// only the newest message that has come. It keeps itself alive, like
// SourceSupervisor does a camera: a broker that goes away, or no frame for
// `stallAfter`, is reported down to the viewers; the broker is tried again
// with ReconnectPolicy's backoff, and the first good frame after reports the
// source live again.
class BrokerSource final : public FrameSource {
public:
    // Throws std::runtime_error with one line when the broker cannot be
    // reached or no good frame comes within the timeout.
    BrokerSource(PublishTarget target, std::unique_ptr<BrokerSubscriber> subscriber,
                 const BrokerSourceConfig& config = {});
    ~BrokerSource() override;

    StreamFormat format() const override { return format_; }
    std::string describe() const override;
    void start(Callbacks callbacks) override;
    void stop() override;

    // Any thread.
    BrokerSourceStats stats() const;

private:
    using Clock = std::chrono::steady_clock;

    // One message: the frame when it is good, else nullptr (counted, logged).
    FramePtr accept(std::vector<std::uint8_t> message);
    void take(const BrokerMessages& messages);
    void run(const std::stop_token& stop);
    void deliver(FramePtr frame);
    void reportDown(const std::string& why);
    void noteError(const std::string& what, LogThrottle& throttle);

    PublishTarget target_;
    std::string name_; // the URL, without its password
    std::unique_ptr<BrokerSubscriber> subscriber_;
    BrokerSourceConfig config_;
    StreamFormat format_;
    bool fixedSize_ = false; // format_ has the first good frame's size
    bool redis_ = false;     // MXCuBE JSON rather than a JPEG payload
    FramePtr first_;         // delivered at start
    Callbacks callbacks_;
    std::uint64_t sequence_ = 0;
    Clock::time_point lastFrame_{};
    bool down_ = false;

    std::atomic<std::uint64_t> frames_{0};
    std::atomic<std::uint64_t> bad_{0};
    std::atomic<std::uint64_t> skipped_{0};
    std::atomic<std::uint64_t> oversized_{0};
    std::atomic<std::uint64_t> reconnects_{0};
    mutable std::mutex errorMutex_;
    std::string lastError_;
    LogThrottle badLog_;
    LogThrottle brokerLog_;

    std::mutex waitMutex_;
    std::condition_variable_any wake_;
    std::jthread worker_;
};

} // namespace pistream
