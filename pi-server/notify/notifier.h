#pragma once

#include <nlohmann/json_fwd.hpp>

#include "motion/motion_monitor.h"

namespace pistream {

// Tells people about motion events (MQTT, a web hook). Each has a worker
// thread of its own and a bounded queue: onMotionEvent, on the io thread,
// only queues, so a slow or absent peer never stops the camera.
class Notifier : public MotionListener {
public:
    virtual ~Notifier() = default;
    virtual void start() = 0;
    // Says goodbye where the peer expects it (MQTT "offline"), within a few seconds.
    virtual void stop() = 0;
    // For /api/status; any thread.
    virtual nlohmann::json status() const = 0;
};

} // namespace pistream
