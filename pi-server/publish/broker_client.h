#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "broker/broker_error.h"
#include "broker/publish_target.h"
#include "core/encoded_frame.h"

namespace pistream {

// One connection to a broker, through the broker's own client library. Used
// by its publisher's worker thread only; every call returns within a few
// seconds, sooner once `stop` is requested.
class BrokerClient {
public:
    virtual ~BrokerClient() = default;

    virtual BrokerError connect(const std::stop_token& stop) = 0;
    // Sends one frame's JPEG in the target's format.
    virtual BrokerError publish(const EncodedFrame& frame) = 0;
    // Whether another frame may be handed over now, or earlier ones are still
    // on their way (a slow broker: the publisher's queue drops frames instead).
    virtual bool ready() const { return true; }
    // Network upkeep (keepalive, acknowledgements), waiting up to `wait` for it.
    virtual BrokerError service(std::chrono::milliseconds wait)
    {
        (void)wait;
        return std::nullopt;
    }
    virtual void disconnect() = 0;
};

// The client for `target`'s broker. Throws std::runtime_error when this
// build has no client library for it.
std::unique_ptr<BrokerClient> makeBrokerClient(const PublishTarget& target);

} // namespace pistream
