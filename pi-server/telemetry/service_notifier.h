#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <asio.hpp>

#include "telemetry/telemetry.h"

namespace pistream {

// systemd's service notification (sd_notify, libsystemd) for Type=notify:
// READY=1 once the listener is up and the source has produced its first frame,
// a STATUS= line with viewers and fps every few seconds, and WATCHDOG=1 only
// while frames are actually flowing, so that WatchdogSec= restarts a server
// whose capture hung. Outside systemd (no NOTIFY_SOCKET), or when built
// without libsystemd, it does nothing.
class ServiceNotifier {
public:
    ServiceNotifier(asio::io_context& io, const Telemetry& telemetry, std::string description);

    void start();
    void stop(); // STOPPING=1

    static bool available(); // built with libsystemd

private:
    void schedule();
    void tick();

    asio::steady_timer timer_;
    const Telemetry& telemetry_;
    std::string description_;
    std::chrono::microseconds watchdog_{0}; // 0: no watchdog asked for
    std::chrono::steady_clock::duration period_;
    bool ready_ = false;
    std::uint64_t lastFrames_ = 0;
    TelemetryMeter statusMeter_; // the STATUS line's period
};

} // namespace pistream
