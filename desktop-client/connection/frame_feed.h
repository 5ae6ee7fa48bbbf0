#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "connection/clock_sync.h"
#include "protocol/messages.h"

namespace pistream {

struct ReceivedFrame;

// What a feed tells the pipeline, on the pipeline's io thread.
struct FeedHandlers {
    std::function<void()> onConnected;
    std::function<void(const Hello&)> onHello;
    std::function<void(const ReceivedFrame&)> onFrame;
    std::function<void(const Status&)> onStatus;
    // Motion events (protocol 1.1); kinds this viewer does not know are skipped.
    std::function<void(const Event&)> onEvent;
    // Called once, when the connection ends or could not be made.
    std::function<void(const std::string& reason, bool byServer)> onClosed;
};

// Where the viewer's frames come from, one connection's worth: a
// pistream-server (StreamClient) or a broker topic (BrokerFeed). The
// ViewerPipeline makes one per connection attempt, reads it through these
// handlers and makes another after onClosed, with its Backoff; it does not
// know which kind it has.
class FrameFeed {
public:
    virtual ~FrameFeed() = default;

    virtual void start() = 0;
    // Ends the connection; onClosed is called with `reason` (unless it was already).
    virtual void stop(const std::string& reason) = 0;
    // The sender's clock as learnt, for latency; none learnt: no latency figures.
    virtual const ClockSync& clock() const = 0;
    // The round trip to the sender, when there is one to measure.
    virtual std::optional<std::int64_t> roundTripMicros() const
    {
        return clock().roundTripMicros();
    }
    // After onClosed: trying again with the same key is pointless.
    virtual bool wrongKey() const { return false; }
    // The largest size pictures are drawn at now (0 x 0: no limit), for a
    // sender that can send smaller pictures; a broker's topic cannot.
    virtual void setShownSize(int /*width*/, int /*height*/) {}
};

} // namespace pistream
