#include "publish/mqtt_client.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mosquitto.h>
#include <mutex>
#include <unistd.h>

#include "publish/publish_payload.h"

namespace pistream {

namespace {

constexpr int kKeepAliveSeconds = 30;
constexpr auto kConnackTimeout = std::chrono::seconds(3);
// Messages on their way at most: past this a slow broker makes the
// publisher's queue drop frames, and mosquitto's own queue stays short.
constexpr int kMaxInflight = 4;

void initLibrary()
{
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
}

std::string errorText(int code)
{
    if (code == MOSQ_ERR_ERRNO)
        return std::strerror(errno);
    return mosquitto_strerror(code);
}

std::string makeClientId()
{
    static std::atomic<int> count{0};
    // At most 23 characters is what every MQTT 3.1.1 broker must accept.
    std::string id = "pistream-" + std::to_string(getpid()) + "-" + std::to_string(count++);
    return id.substr(0, 23);
}

} // namespace

MqttClient::MqttClient(PublishTarget target) : target_(std::move(target)), clientId_(makeClientId())
{
    initLibrary();
}

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
    mosq_ = mosquitto_new(clientId_.c_str(), true, this);
    if (!mosq_)
        return "mosquitto_new: " + std::string(std::strerror(errno));
    mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_connect_callback_set(mosq_, &MqttClient::onConnect);
    mosquitto_disconnect_callback_set(mosq_, &MqttClient::onDisconnect);
    mosquitto_publish_callback_set(mosq_, &MqttClient::onPublish);
    if (!target_.user.empty())
        mosquitto_username_pw_set(mosq_, target_.user.c_str(),
                                  target_.password.empty() ? nullptr : target_.password.c_str());
    if (!willTopic_.empty())
        mosquitto_will_set(mosq_, willTopic_.c_str(), static_cast<int>(willPayload_.size()),
                           willPayload_.data(), 1, true);
    connack_ = -1;
    lost_ = false;
    inflight_ = 0;
    // Asynchronous: the TCP connect does not block, so a stop is noticed.
    int rc = mosquitto_connect_async(mosq_, target_.host.c_str(), target_.port, kKeepAliveSeconds);
    if (rc != MOSQ_ERR_SUCCESS)
        return errorText(rc);
    const auto deadline = std::chrono::steady_clock::now() + kConnackTimeout;
    while (connack_ < 0 && !lost_) {
        if (stop.stop_requested())
            return "stopping";
        if (std::chrono::steady_clock::now() >= deadline)
            return "no answer to CONNECT within 3 s";
        rc = mosquitto_loop(mosq_, 50, 1);
        if (rc != MOSQ_ERR_SUCCESS)
            return errorText(rc);
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
        return errorText(rc);
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
        return errorText(rc);
    if (lost_)
        return "the broker closed the connection";
    return std::nullopt;
}

void MqttClient::disconnect()
{
    if (!mosq_)
        return;
    if (connack_ == 0 && !lost_)
        mosquitto_disconnect(mosq_);
    mosquitto_destroy(mosq_);
    mosq_ = nullptr;
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
