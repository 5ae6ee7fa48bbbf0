#include "broker/redis_subscriber.h"

#include <cstring>
#include <hiredis/hiredis.h>
#include <poll.h>

#include "broker/redis_connect.h"

namespace pistream {

namespace {

// Room for the reply's framing and the channel's name besides the payload.
constexpr std::size_t kReplyOverhead = 64 * 1024;

struct ReplyDeleter {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

} // namespace

RedisSubscriber::RedisSubscriber(PublishTarget target, std::size_t maxPayload)
    : target_(std::move(target)), maxPayload_(maxPayload)
{}

RedisSubscriber::~RedisSubscriber()
{
    disconnect();
}

BrokerError RedisSubscriber::connect(const std::stop_token& stop)
{
    (void)stop; // the timeouts bound the wait
    disconnect();
    std::string error;
    context_ = connectRedis(target_, error);
    if (!context_)
        return error;
    ReplyPtr reply(static_cast<redisReply*>(
        redisCommand(context_, "SUBSCRIBE %b", target_.topic.data(), target_.topic.size())));
    if (!reply)
        return context_->err ? std::string(context_->errstr) : std::string("no reply");
    if (reply->type == REDIS_REPLY_ERROR)
        return std::string(reply->str, reply->len);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
        return std::string("unexpected answer to SUBSCRIBE");
    return std::nullopt;
}

BrokerError RedisSubscriber::receive(std::chrono::milliseconds wait, BrokerMessages& messages)
{
    if (!context_)
        return "not connected";
    // Replies read along with the last ones first, then the socket.
    if (BrokerError error = takeReplies(messages))
        return error;
    if (messages.newest)
        wait = std::chrono::milliseconds(0);
    pollfd fd{context_->fd, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
    if (ready < 0)
        return errno == EINTR ? std::nullopt : BrokerError(std::strerror(errno));
    if (ready == 0)
        return std::nullopt;
    // Read what is there (hiredis reads 16 KiB at a time) until nothing is left.
    for (;;) {
        if (redisBufferRead(context_) != REDIS_OK)
            return context_->errstr[0] ? std::string(context_->errstr)
                                       : std::string("connection closed");
        if (BrokerError error = takeReplies(messages))
            return error;
        // A message longer than the cap is not read on: the connection goes.
        if (context_->reader->len - context_->reader->pos > maxPayload_ + kReplyOverhead)
            return "a message over " + std::to_string(maxPayload_) + " bytes";
        pollfd more{context_->fd, POLLIN, 0};
        if (::poll(&more, 1, 0) <= 0)
            return std::nullopt;
    }
}

BrokerError RedisSubscriber::takeReplies(BrokerMessages& messages)
{
    for (;;) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(context_, &raw) != REDIS_OK)
            return context_->errstr[0] ? std::string(context_->errstr) : std::string("bad reply");
        if (!raw)
            return std::nullopt;
        ReplyPtr reply(static_cast<redisReply*>(raw));
        // ["message", channel, payload]; subscription confirmations and pongs are skipped.
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
            continue;
        const redisReply* kind = reply->element[0];
        const redisReply* payload = reply->element[2];
        if (kind->type != REDIS_REPLY_STRING ||
            std::string_view(kind->str, kind->len) != "message" ||
            payload->type != REDIS_REPLY_STRING)
            continue;
        if (payload->len > maxPayload_) {
            ++messages.oversized;
            continue;
        }
        if (messages.newest)
            ++messages.replaced;
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(payload->str);
        messages.newest.emplace(bytes, bytes + payload->len);
    }
}

void RedisSubscriber::disconnect()
{
    if (!context_)
        return;
    redisFree(context_);
    context_ = nullptr;
}

} // namespace pistream
