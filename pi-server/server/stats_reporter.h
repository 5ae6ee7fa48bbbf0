#pragma once

#include <chrono>

#include <asio.hpp>

#include "pipeline/encode_pipeline.h"
#include "server/stream_server.h"

namespace pistream {

// Logs one line every interval: fps in and out, viewers, what was sent,
// frames skipped and dropped, encode time and what gzip saved and cost.
class StatsReporter {
public:
    StatsReporter(asio::io_context& io, std::chrono::duration<double> interval,
                  const EncodePipeline& pipeline, const StreamServer& server);

    void start();
    void stop();

private:
    void schedule();
    void report();

    asio::steady_timer timer_;
    std::chrono::steady_clock::duration interval_;
    const EncodePipeline& pipeline_;
    const StreamServer& server_;
    PipelineStats lastPipeline_;
    StreamServerStats lastServer_;
    std::chrono::steady_clock::time_point lastTime_;
};

} // namespace pistream
