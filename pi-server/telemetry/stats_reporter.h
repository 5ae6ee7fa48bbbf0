#pragma once

#include <chrono>

#include <asio.hpp>

#include "telemetry/telemetry.h"

namespace pistream {

// Logs one line every interval: fps in and out, viewers, what was sent,
// frames skipped and dropped, encode time and what gzip saved and cost.
class StatsReporter {
public:
    StatsReporter(asio::io_context& io, std::chrono::duration<double> interval,
                  const Telemetry& telemetry);

    void start();
    void stop();

private:
    void schedule();
    void report();

    asio::steady_timer timer_;
    std::chrono::steady_clock::duration interval_;
    const Telemetry& telemetry_;
    TelemetryMeter meter_{std::chrono::steady_clock::duration::zero()}; // since the last line
};

} // namespace pistream
