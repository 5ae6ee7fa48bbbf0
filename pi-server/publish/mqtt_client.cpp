#include "publish/mqtt_client.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <utility>

#include "broker/mqtt_session.h"
#include "publish/publish_payload.h"

namespace pistream {

namespace {

constexpr int kKeepAliveSeconds = 30;
constexpr auto kConnackTimeout = std::chrono::seconds(3);
// Messages on their way at most: past this a slow broker makes the
// publisher's queue drop frames, and mosquitto's own queue stays short.
constexpr int kMaxMqttInflight = 4;

} // namespace

MqttClient::MqttClient(PublishTarget target) : target_(std::move(target)) {}

MqttClient::~MqttClient()
{
    disconnect();
}

void MqttClient::setWill(std::string topic, std::string payload)
{
    willTopic_ = std::move(topic);
    willPayload_ = std::move(payload);
}

BrokerError MqttClient::connect(const std::stop_token& stop)
{
    disconnect();
    std::string error;
    mosq_ = newMosquitto("pistream", this, target_.mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311,
                         target_, error);
    if (!mosq_)
        return error;
    mosquitto_connect_callback_set(mosq_, &MqttClient::onConnect);
    mosquitto_disconnect_callback_set(mosq_, &MqttClient::onDisconnect);
    mosquitto_publish_callback_set(mosq_, &MqttClient::onPublish);
    if (!willTopic_.empty())
        mosquitto_will_set(mosq_, willTopic_.c_str(), static_cast<int>(willPayload_.size()),
                           willPayload_.data(), 1, true);
    connack_ = -1;
    lost_ = false;
    inflight_ = 0;
    // Asynchronous: the TCP connect does not block, so a stop is noticed.
    int rc = mosquitto_connect_async(mosq_, target_.host.c_str(), target_.port, kKeepAliveSeconds);
    if (rc != MOSQ_ERR_SUCCESS)
        return mosquittoErrorText(rc);
    const auto deadline = std::chrono::steady_clock::now() + kConnackTimeout;
    while (connack_ < 0 && !lost_) {
        if (stop.stop_requested())
            return "stopping";
        if (std::chrono::steady_clock::now() >= deadline)
            return "no answer to CONNECT within 3 s";
        rc = mosquitto_loop(mosq_, 50, 1);
        if (rc != MOSQ_ERR_SUCCESS)
            return mosquittoErrorText(rc);
    }
    if (connack_ != 0)
        return connack_ < 0    ? "connection closed"
               : target_.mqtt5 ? mosquitto_reason_string(connack_)
                               : mosquitto_connack_string(connack_);
    return std::nullopt;
}

BrokerError MqttClient::publish(const EncodedFrame& frame)
{
    // MQTT 5: what a subscriber needs for latency and gaps, beside the
    // payload (which stays the same for MQTT 3.1.1 clients).
    mosquitto_property* properties = nullptr;
    if (target_.mqtt5) {
        const auto captured = std::chrono::duration_cast<std::chrono::microseconds>(
                                  captureWallTime(frame).time_since_epoch())
                                  .count();
        const std::pair<const char*, std::string> fields[] = {
            {"sequence", std::to_string(frame.header.sequence)},
            {"capture_time", std::to_string(captured)},
            {"width", std::to_string(frame.header.width)},
            {"height", std::to_string(frame.header.height)}};
        for (const auto& field : fields)
            mosquitto_property_add_string_pair(&properties, MQTT_PROP_USER_PROPERTY, field.first,
                                               field.second.c_str());
    }
    BrokerError error;
    if (target_.format == PublishTarget::Format::Base64) {
        const std::string text = base64Encode(frame.jpeg);
        error = publish(target_.topic,
                        {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
                        target_.qos, false, properties);
    } else {
        error = publish(target_.topic, frame.jpeg, target_.qos, false, properties);
    }
    mosquitto_property_free_all(&properties);
    return error;
}

BrokerError MqttClient::publish(const std::string& topic, std::span<const std::uint8_t> payload,
                                int qos, bool retain, const mosquitto_property* properties)
{
    if (!mosq_ || lost_)
        return "not connected";
    // Counted before the call: a QoS 0 message written at once is reported
    // sent (onPublish) from inside mosquitto_publish.
    ++inflight_;
    const int rc =
        mosquitto_publish_v5(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                             payload.data(), qos, retain, properties);
    if (rc != MOSQ_ERR_SUCCESS) {
        --inflight_;
        return mosquittoErrorText(rc);
    }
    return service(std::chrono::milliseconds(0));
}

bool MqttClient::ready() const
{
    return inflight_ < kMaxMqttInflight;
}

BrokerError MqttClient::service(std::chrono::milliseconds wait)
{
    if (!mosq_)
        return "not connected";
    const int rc = mosquitto_loop(mosq_, static_cast<int>(wait.count()), 1);
    if (rc != MOSQ_ERR_SUCCESS)
        return mosquittoErrorText(rc);
    if (lost_)
        return "the broker closed the connection";
    return std::nullopt;
}

void MqttClient::disconnect()
{
    closeMosquitto(mosq_, connack_ == 0 && !lost_);
}

void MqttClient::onConnect(mosquitto*, void* self, int code)
{
    static_cast<MqttClient*>(self)->connack_ = code;
}

void MqttClient::onDisconnect(mosquitto*, void* self, int)
{
    static_cast<MqttClient*>(self)->lost_ = true;
}

void MqttClient::onPublish(mosquitto*, void* self, int)
{
    auto* client = static_cast<MqttClient*>(self);
    if (client->inflight_ > 0)
        --client->inflight_;
}

} // namespace pistream
