#include "notify/home_assistant.h"

#include <nlohmann/json.hpp>

namespace pistream {

namespace {

constexpr std::size_t kMaxIdLength = 64;

const char* eventType(MotionEvents::Change change)
{
    switch (change) {
    case MotionEvents::Change::Started:
        return "new";
    case MotionEvents::Change::Ended:
        return "end";
    case MotionEvents::Change::None:
        break;
    }
    return "update";
}

} // namespace

std::string mqttTopicId(std::string_view name)
{
    std::string id;
    for (const char c : name) {
        if (id.size() >= kMaxIdLength)
            break;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            id += c;
        else if (c >= 'A' && c <= 'Z')
            id += static_cast<char>(c - 'A' + 'a');
        else if (!id.empty() && id.back() != '_')
            id += '_'; // spaces, dots, '/', '+', '#' and anything else
    }
    while (!id.empty() && id.back() == '_')
        id.pop_back();
    return id.empty() ? "camera" : id;
}

HomeAssistantTopics::HomeAssistantTopics(std::string name, std::string prefix,
                                         std::string discoveryPrefix)
    : name_(std::move(name)), id_(mqttTopicId(name_)), base_(prefix + "/" + id_ + "/"),
      discoveryPrefix_(std::move(discoveryPrefix))
{}

MqttMessage HomeAssistantTopics::availability(bool online) const
{
    return {availableTopic(), online ? "online" : "offline", true};
}

MqttMessage HomeAssistantTopics::motion(bool on) const
{
    return {motionTopic(), on ? "ON" : "OFF", true};
}

std::string motionEventJson(std::string_view camera, const MotionEventRecord& event,
                            MotionEvents::Change change)
{
    const nlohmann::json json = {
        {"type", eventType(change)},
        {"camera", camera},
        {"id", event.id},
        {"startMs", event.startMs},
        {"endMs", event.endMs ? nlohmann::json(*event.endMs) : nlohmann::json(nullptr)},
        {"score", event.score},
        {"box", event.box},
    };
    return json.dump();
}

MqttMessage HomeAssistantTopics::event(const MotionEventRecord& event,
                                       MotionEvents::Change change) const
{
    return {eventsTopic(), motionEventJson(name_, event, change), false};
}

MqttMessage HomeAssistantTopics::snapshot(std::string jpeg) const
{
    return {snapshotTopic(), std::move(jpeg), true};
}

std::vector<MqttMessage> HomeAssistantTopics::discovery(std::string_view version) const
{
    const std::string unique = "pistream_" + id_;
    const nlohmann::json device = {
        {"identifiers", {unique}},    {"name", name_},         {"manufacturer", "pistream"},
        {"model", "pistream-server"}, {"sw_version", version},
    };
    const nlohmann::json motion = {
        {"name", "Motion"},
        {"unique_id", unique + "_motion"},
        {"object_id", unique + "_motion"},
        {"device_class", "motion"},
        {"state_topic", motionTopic()},
        {"payload_on", "ON"},
        {"payload_off", "OFF"},
        {"availability_topic", availableTopic()},
        {"device", device},
    };
    const nlohmann::json camera = {
        {"name", "Snapshot"},
        {"unique_id", unique + "_snapshot"},
        {"object_id", unique + "_snapshot"},
        {"topic", snapshotTopic()},
        {"availability_topic", availableTopic()},
        {"device", device},
    };
    return {
        {discoveryPrefix_ + "/binary_sensor/" + unique + "/motion/config", motion.dump(), true},
        {discoveryPrefix_ + "/camera/" + unique + "/snapshot/config", camera.dump(), true},
    };
}

} // namespace pistream
