#pragma once

#include "publish/broker_client.h"

struct redisContext;

namespace pistream {

// PUBLISHes each frame to a Redis channel as the MXCuBE video-streamer's JSON
// message, with hiredis's synchronous API on the publisher's worker thread.
// Every call is bounded by a timeout, so a server that accepts and never
// answers costs a reconnect, not a hung thread.
class RedisClient final : public BrokerClient {
public:
    explicit RedisClient(PublishTarget target);
    ~RedisClient() override;

    BrokerError connect(const std::stop_token& stop) override;
    BrokerError publish(const EncodedFrame& frame) override;
    void disconnect() override;

private:
    PublishTarget target_;
    redisContext* context_ = nullptr;
};

} // namespace pistream
