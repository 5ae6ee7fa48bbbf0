#pragma once

#include "broker/broker_subscriber.h"

struct redisContext;

namespace pistream {

// SUBSCRIBEs to a Redis channel with hiredis on the source's thread. The
// socket is polled here and replies taken from hiredis's reader, so a wait
// for messages is not an error; what hiredis has buffered is bounded by the
// payload cap (a longer message drops the connection).
class RedisSubscriber final : public BrokerSubscriber {
public:
    RedisSubscriber(PublishTarget target, std::size_t maxPayload);
    ~RedisSubscriber() override;

    BrokerError connect(const std::stop_token& stop) override;
    BrokerError receive(std::chrono::milliseconds wait, BrokerMessages& messages) override;
    void disconnect() override;

private:
    // Takes every whole reply hiredis has read.
    BrokerError takeReplies(BrokerMessages& messages);

    PublishTarget target_;
    std::size_t maxPayload_;
    redisContext* context_ = nullptr;
};

} // namespace pistream
