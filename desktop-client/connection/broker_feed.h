#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "broker/broker_subscriber.h"
#include "broker/publish_target.h"
#include "connection/frame_feed.h"
#include "connection/stream_client.h"

namespace pistream {

// The viewer subscribed straight to a broker topic (MQTT, Redis or Kafka),
// with no pistream-server in between: what the Python MQTT streamer's client
// did. The broker's own client library (the BrokerSubscriber the server's
// broker sources use) runs on a thread of its own and keeps only the newest
// message for the io thread, so a slow screen skips frames (counted as
// sequence gaps) and memory stays bounded. On the io thread each payload is
// detected (raw JPEG or base64; MXCuBE JSON on Redis) and gets the header
// checks every JPEG from outside gets; a capture time beside the payload (an
// MQTT 5 user property) gives latency, on the assumption that the publisher's
// wall clock and this one agree (NTP); a bad one is handed on as a skipped
// frame with the reason, and the stream goes on. The first good frame says
// hello with its size. A broker that goes away ends this feed; the pipeline
// makes another after its Backoff.
class BrokerFeed final : public FrameFeed, public std::enable_shared_from_this<BrokerFeed> {
public:
    // Throws std::runtime_error when this build has no client for the broker.
    BrokerFeed(asio::io_context& io, const ClientConfig& config, FeedHandlers handlers);
    ~BrokerFeed() override;
    BrokerFeed(const BrokerFeed&) = delete;
    BrokerFeed& operator=(const BrokerFeed&) = delete;

    void start() override;
    void stop(const std::string& reason) override;
    const ClockSync& clock() const override { return clock_; }
    // None: nothing goes back to the publisher (the clock is this machine's own).
    std::optional<std::int64_t> roundTripMicros() const override { return std::nullopt; }

private:
    // A message as the subscriber's thread took it; checked on the io thread.
    struct Pending {
        std::vector<std::uint8_t> payload;
        std::uint64_t sequence = 0;
        std::int64_t receivedMicros = 0;
        std::optional<std::int64_t> capture; // Unix microseconds, if the publisher said
    };

    void run(const std::stop_token& stop, const std::weak_ptr<BrokerFeed>& weak);
    void deliver();
    void close(const std::string& reason, bool byServer);

    asio::io_context& io_;
    PublishTarget target_;
    std::size_t maxPayload_;
    FeedHandlers handlers_;
    std::unique_ptr<BrokerSubscriber> subscriber_;
    // The sender's clock is the wall clock: pistream's MQTT 5 publisher sends
    // each frame's capture time in Unix microseconds. Learnt once, from this
    // machine's own clocks, with the first such frame; none before (no
    // latency figures for publishers that do not say).
    ClockSync clock_;
    bool closed_ = false;    // io thread
    bool helloSent_ = false; // io thread
    std::uint16_t width_ = 0;
    std::uint16_t height_ = 0;
    std::int64_t lastCapture_ = 0; // the last good frame's, on the sender's clock
    std::uint64_t oversizedSeen_ = 0;

    std::mutex mutex_; // the subscriber's thread hands over to the io thread
    std::optional<Pending> pending_;
    std::uint64_t oversized_ = 0; // over the cap, not yet reported
    bool posted_ = false;         // a deliver() is on its way

    std::jthread thread_; // last: stopped and joined before the rest goes
};

} // namespace pistream
