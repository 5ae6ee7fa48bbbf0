#include "publish/redis_client.h"

#include <cerrno>
#include <cstring>
#include <hiredis/hiredis.h>

#include "broker/redis_connect.h"
#include "publish/publish_payload.h"

namespace pistream {

RedisClient::RedisClient(PublishTarget target) : target_(std::move(target)) {}

RedisClient::~RedisClient()
{
    disconnect();
}

BrokerError RedisClient::connect(const std::stop_token& stop)
{
    (void)stop; // the connect timeout bounds the wait
    disconnect();
    std::string error;
    context_ = connectRedis(target_, error);
    if (!context_)
        return error;
    return std::nullopt;
}

BrokerError RedisClient::publish(const EncodedFrame& frame)
{
    if (!context_)
        return "not connected";
    const std::string message = mxcubeMessage(frame, captureWallTime(frame));
    auto* reply = static_cast<redisReply*>(redisCommand(context_, "PUBLISH %b %b",
                                                        target_.topic.data(), target_.topic.size(),
                                                        message.data(), message.size()));
    if (!reply) {
        const std::string why = context_->err ? context_->errstr : "no reply";
        // hiredis reports its command timeout as the socket's EAGAIN.
        return why == std::strerror(EAGAIN) ? "no answer to PUBLISH within 2 s" : why;
    }
    BrokerError error;
    if (reply->type == REDIS_REPLY_ERROR)
        error = std::string(reply->str, reply->len);
    freeReplyObject(reply);
    return error;
}

void RedisClient::disconnect()
{
    if (!context_)
        return;
    redisFree(context_);
    context_ = nullptr;
}

} // namespace pistream
