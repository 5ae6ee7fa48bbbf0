#pragma once

#include <string>

#include "broker/publish_target.h"

struct redisContext;

namespace pistream {

// A hiredis connection to `target`'s server for the publisher or the source:
// 1 s to connect, 2 s per command, TCP keep-alive on. nullptr with `error`
// set when it cannot be made.
redisContext* connectRedis(const PublishTarget& target, std::string& error);

} // namespace pistream
