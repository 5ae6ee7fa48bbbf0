#include "publish/mqtt_client.h"

#include <mosquitto.h>

#include "publish/mqtt_session.h"
#include "publish/publish_payload.h"

namespace pistream {

namespace {

constexpr int kKeepAliveSeconds = 30;
constexpr auto kConnackTimeout = std::chrono::seconds(3);
// Messages on their way at most: past this a slow broker makes the
// publisher's queue drop frames, and mosquitto's own queue stays short.
constexpr int kMaxInflight = 4;

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
    mosq_ = newMosquitto("pistream", this, MQTT_PROTOCOL_V311, target_, error);
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
        return connack_ > 0 ? mosquitto_connack_string(connack_) : "connection closed";
    return std::nullopt;
}

BrokerError MqttClient::publish(const EncodedFrame& frame)
{
    if (target_.format == PublishTarget::Format::Base64) {
        const std::string text = base64Encode(frame.jpeg);
        return publish(target_.topic,
                       {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
                       target_.qos, false);
    }
    return publish(target_.topic, frame.jpeg, target_.qos, false);
}

BrokerError MqttClient::publish(const std::string& topic, std::span<const std::uint8_t> payload,
                                int qos, bool retain)
{
    if (!mosq_ || lost_)
        return "not connected";
    // Counted before the call: a QoS 0 message written at once is reported
    // sent (onPublish) from inside mosquitto_publish.
    ++inflight_;
    const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(),
                                     static_cast<int>(payload.size()), payload.data(), qos, retain);
    if (rc != MOSQ_ERR_SUCCESS) {
        --inflight_;
        return mosquittoErrorText(rc);
    }
    return service(std::chrono::milliseconds(0));
}

bool MqttClient::ready() const
{
    return inflight_ < kMaxInflight;
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
