#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sources/frame_source.h"
#include "telemetry/telemetry.h"

namespace pistream {

// The server's state as JSON for /api/status: source, size, rates, viewers,
// bytes, drops, the stream port's connections, gzip, uptime, version and the
// SoC temperature where the kernel reports one. Rates are measured over at
// least a second between calls.
class StatusReport {
public:
    StatusReport(const Telemetry& telemetry, std::string description, StreamFormat format);

    // io thread (Telemetry::snapshot() is).
    nlohmann::json build();

private:
    const Telemetry& telemetry_;
    std::string description_;
    StreamFormat format_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    TelemetryMeter meter_{std::chrono::seconds(1)};
    // Until a whole second has passed, rates over a quarter of one at least.
    TelemetryMeter firstMeter_{std::chrono::milliseconds(250)};
};

// The SoC temperature in °C from /sys/class/thermal (thermal_zone0 is the SoC
// on a Pi), or a negative number where there is none. `root` is for tests.
double socTemperature(const std::string& root = "/sys/class/thermal");

} // namespace pistream
