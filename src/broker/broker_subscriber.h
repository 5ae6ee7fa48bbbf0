#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "broker/broker_error.h"
#include "broker/publish_target.h"

namespace pistream {

// What one receive() brought: live video, not a backlog, so only the newest
// message is kept; those it replaced and those over the size cap are counted.
struct BrokerMessages {
    std::optional<std::vector<std::uint8_t>> newest;
    // When the newest was captured, Unix microseconds, if its publisher said
    // (pistream's MQTT 5 user property or Kafka header "capture_time").
    std::optional<std::int64_t> newestCapture;
    std::uint64_t replaced = 0;  // older messages that came in the same call
    std::uint64_t oversized = 0; // over the cap, dropped unread where the client allows
};

// One subscription to a broker topic or channel, through the broker's own
// client library. Used by its source's thread only; every call returns
// within a few seconds, sooner once `stop` is requested.
class BrokerSubscriber {
public:
    virtual ~BrokerSubscriber() = default;

    // Connects and subscribes.
    virtual BrokerError connect(const std::stop_token& stop) = 0;
    // Waits up to `wait` for messages and takes what has come.
    virtual BrokerError receive(std::chrono::milliseconds wait, BrokerMessages& messages) = 0;
    virtual void disconnect() = 0;
};

// The subscriber for `target`'s broker, taking messages of at most
// `maxPayload` bytes. `kafkaGroup` names the Kafka consumer group (empty: the
// server's, "pistream-HOSTNAME"): every group gets every frame. Throws
// std::runtime_error when this build has no client library for the broker.
std::unique_ptr<BrokerSubscriber> makeBrokerSubscriber(const PublishTarget& target,
                                                       std::size_t maxPayload,
                                                       const std::string& kafkaGroup = {});

} // namespace pistream
