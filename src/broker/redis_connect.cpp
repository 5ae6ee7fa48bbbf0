#include "broker/redis_connect.h"

#include <hiredis/hiredis.h>

namespace pistream {

namespace {

constexpr timeval kConnectTimeout{1, 0};
constexpr timeval kCommandTimeout{2, 0};

} // namespace

redisContext* connectRedis(const PublishTarget& target, std::string& error)
{
    redisContext* context =
        redisConnectWithTimeout(target.host.c_str(), target.port, kConnectTimeout);
    if (!context) {
        error = "out of memory";
        return nullptr;
    }
    if (context->err) {
        error = context->errstr;
        redisFree(context);
        return nullptr;
    }
    redisSetTimeout(context, kCommandTimeout);
    redisEnableKeepAlive(context);
    return context;
}

} // namespace pistream
