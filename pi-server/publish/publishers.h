#pragma once

#include <memory>
#include <vector>

#include "publish/broker_publisher.h"

namespace pistream {

// --publish: where frames go besides viewers and browsers.
struct PublishConfig {
    std::vector<PublishTarget> targets; // one publisher each
    PublisherConfig publisher;
};

// The server's broker publishers, one per --publish URL, made and stopped
// together. Each subscribes to the hub on its own.
class Publishers {
public:
    // io thread (or before it runs). Throws std::runtime_error when a target
    // needs a client library this build lacks.
    Publishers(asio::io_context& io, FrameHub& hub, const PublishConfig& config);

    void start();
    void stop();
    // Any thread.
    std::vector<PublisherStats> stats() const;
    bool empty() const { return publishers_.empty(); }

private:
    std::vector<std::unique_ptr<BrokerPublisher>> publishers_;
};

} // namespace pistream
