#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "pipeline/encode_pipeline.h"
#include "server/stream_server.h"
#include "sources/frame_source.h"

namespace pistream {

// The server's state as JSON for /api/status: source, size, rates, viewers,
// bytes, drops, gzip, uptime, version and the SoC temperature where the
// kernel reports one. Rates are measured over at least a second between calls.
class StatusReport {
public:
    StatusReport(const EncodePipeline& pipeline, const StreamServer& server,
                 std::string description, StreamFormat format);

    // io thread (StreamServer::stats() is).
    nlohmann::json build();

private:
    const EncodePipeline& pipeline_;
    const StreamServer& server_;
    std::string description_;
    StreamFormat format_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point sampled_ = started_;
    PipelineStats lastPipeline_;
    double fpsIn_ = 0;
    double fpsOut_ = 0;
};

// The SoC temperature in °C from /sys/class/thermal (thermal_zone0 is the SoC
// on a Pi), or a negative number where there is none. `root` is for tests.
double socTemperature(const std::string& root = "/sys/class/thermal");

} // namespace pistream
