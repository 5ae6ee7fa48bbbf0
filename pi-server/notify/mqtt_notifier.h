#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "core/bounded_queue.h"
#include "hub/frame_hub.h"
#include "notify/home_assistant.h"
#include "notify/notifier.h"
#include "publish/log_throttle.h"
#include "publish/mqtt_client.h"
#include "publish/reconnect_policy.h"

namespace pistream {

struct MqttNotifyConfig {
    PublishTarget broker; // --mqtt mqtt://[user:pass@]host[:port][/prefix]; topic = prefix
    std::string discoveryPrefix = "homeassistant";
    std::size_t queueMessages = 16; // waiting for the broker; the oldest is dropped
    ReconnectLimits reconnect;
    std::chrono::seconds logEvery{30};
};

// Motion events on MQTT for Home Assistant (HomeAssistantTopics): discovery,
// availability with a last will (a kill -9 or a power cut shows "offline"),
// motion ON/OFF, event JSON and a snapshot at each event's start. The
// retained state (discovery, "online", the motion state) is sent again on
// every connection, so a broker that restarts without persistence learns it
// again; events that happen while the broker is away wait in a short queue.
class MqttNotifier final : public Notifier {
public:
    // io thread. `name`: the camera's name as people read it.
    MqttNotifier(FrameHub& hub, std::string name, MqttNotifyConfig config);
    ~MqttNotifier() override;

    void start() override;
    void stop() override;
    nlohmann::json status() const override;

    // MotionListener, io thread.
    void onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change) override;

    const HomeAssistantTopics& topics() const { return topics_; }

private:
    void run(const std::stop_token& stop);
    BrokerError sendRetainedState();
    BrokerError send(const MqttMessage& message);
    void logError(const std::string& what);

    FrameHub& hub_;
    HomeAssistantTopics topics_;
    MqttNotifyConfig config_;
    std::string where_; // the broker's URL without its password
    MqttClient client_;
    BoundedQueue<MqttMessage> queue_;

    std::atomic<bool> motion_{false};
    std::atomic<bool> connected_{false};
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> connections_{0};
    mutable std::mutex errorMutex_;
    std::string lastError_;
    LogThrottle errorLog_; // worker thread
    std::jthread worker_;
};

} // namespace pistream
