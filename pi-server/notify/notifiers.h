#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hub/frame_hub.h"
#include "notify/mqtt_notifier.h"
#include "notify/notifier.h"
#include "notify/notify_target.h"
#include "notify/webhook_notifier.h"

namespace pistream {

struct NotifyConfig {
    std::optional<MqttNotifyConfig> mqtt; // --mqtt
    std::vector<WebhookConfig> webhooks;  // --webhook, repeatable

    bool any() const { return mqtt || !webhooks.empty(); }
};

// Everyone told about motion events: listeners of the MotionMonitor.
class Notifiers {
public:
    // io thread. Throws std::runtime_error when this build lacks a client library.
    Notifiers(FrameHub& hub, std::string camera, const NotifyConfig& config);
    ~Notifiers();

    void attach(MotionMonitor& motion);
    void start();
    void stop();
    // One object per notifier, for /api/status; any thread.
    nlohmann::json status() const;

private:
    std::vector<std::unique_ptr<Notifier>> notifiers_;
};

} // namespace pistream
