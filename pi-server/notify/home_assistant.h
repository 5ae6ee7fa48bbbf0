#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "motion/motion_monitor.h"

namespace pistream {

// One MQTT message to send; the payload may be binary (a JPEG).
struct MqttMessage {
    std::string topic;
    std::string payload;
    bool retain = false;
    int qos = 1;
};

// The topics and payloads of one camera on MQTT, as Home Assistant's MQTT
// integration and Frigate users expect them. Pure: no sockets.
//   <prefix>/<id>/available   "online" / "offline" (retained; the last will)
//   <prefix>/<id>/motion      "ON" / "OFF" (retained)
//   <prefix>/<id>/events      JSON per change: {"type": "new"|"update"|"end", ...}
//   <prefix>/<id>/snapshot    the JPEG at each event's start (retained)
//   <discovery>/binary_sensor/pistream_<id>/motion/config and
//   <discovery>/camera/pistream_<id>/snapshot/config (retained), so the camera
//   appears in Home Assistant with no YAML.
class HomeAssistantTopics {
public:
    // `name`: the camera's name as people read it ("Garden door"); the id in
    // topics is made from it (lower case, [a-z0-9_]).
    HomeAssistantTopics(std::string name, std::string prefix = "pistream",
                        std::string discoveryPrefix = "homeassistant");

    const std::string& id() const { return id_; }
    std::string availableTopic() const { return base_ + "available"; }
    std::string motionTopic() const { return base_ + "motion"; }
    std::string eventsTopic() const { return base_ + "events"; }
    std::string snapshotTopic() const { return base_ + "snapshot"; }

    MqttMessage availability(bool online) const;
    MqttMessage motion(bool on) const;
    MqttMessage event(const MotionEventRecord& event, MotionEvents::Change change) const;
    MqttMessage snapshot(std::string jpeg) const;
    // The discovery configs, sent (retained) on every connection.
    std::vector<MqttMessage> discovery(std::string_view version) const;

private:
    std::string name_;
    std::string id_;
    std::string base_; // "<prefix>/<id>/"
    std::string discoveryPrefix_;
};

// One event as JSON, the same on MQTT and in web hooks:
// {"type": "new"|"update"|"end", "camera", "id", "startMs", "endMs" (null while
// it lasts), "score", "box": [x, y, w, h] normalised}.
std::string motionEventJson(std::string_view camera, const MotionEventRecord& event,
                            MotionEvents::Change change);

// "Garden door" -> "garden_door"; empty or nothing usable -> "camera".
std::string mqttTopicId(std::string_view name);

} // namespace pistream
