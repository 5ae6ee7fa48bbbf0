#include "broker/mqtt_subscriber.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "broker/mqtt_session.h"

namespace pistream {

namespace {

constexpr int kKeepAliveSeconds = 30;
constexpr auto kAnswerTimeout = std::chrono::seconds(3);
// Room for the PUBLISH packet's own header and topic besides the payload.
constexpr std::size_t kPacketOverhead = 64 * 1024;
// Packets read in one receive() at most after the wait.
constexpr int kDrainPackets = 64;

// The "capture_time" user property pistream's MQTT 5 publisher sends, if
// there is one and it is a number.
std::optional<std::int64_t> captureTime(const mosquitto_property* properties)
{
    std::optional<std::int64_t> capture;
    char* name = nullptr;
    char* value = nullptr;
    bool skipFirst = false;
    for (const mosquitto_property* at = properties;
         (at = mosquitto_property_read_string_pair(at, MQTT_PROP_USER_PROPERTY, &name, &value,
                                                   skipFirst)) != nullptr;
         skipFirst = true) {
        if (name && value && std::strcmp(name, "capture_time") == 0) {
            std::int64_t micros = 0;
            const char* end = value + std::strlen(value);
            const auto [stop, error] = std::from_chars(value, end, micros);
            if (error == std::errc{} && stop == end && micros > 0)
                capture = micros;
        }
        std::free(name);
        std::free(value);
        name = value = nullptr;
    }
    return capture;
}

} // namespace

MqttSubscriber::MqttSubscriber(PublishTarget target, std::size_t maxPayload)
    : target_(std::move(target)), maxPayload_(maxPayload)
{}

MqttSubscriber::~MqttSubscriber()
{
    disconnect();
}

BrokerError MqttSubscriber::connect(const std::stop_token& stop)
{
    disconnect();
    std::string error;
    mosq_ = newMosquitto("pistream-src", this, MQTT_PROTOCOL_V5, target_, error);
    if (!mosq_)
        return error;
    mosquitto_connect_callback_set(mosq_, &MqttSubscriber::onConnect);
    mosquitto_disconnect_callback_set(mosq_, &MqttSubscriber::onDisconnect);
    mosquitto_subscribe_callback_set(mosq_, &MqttSubscriber::onSubscribe);
    mosquitto_message_v5_callback_set(mosq_, &MqttSubscriber::onMessage);
    connack_ = -1;
    suback_ = -1;
    lost_ = false;

    // The broker must not send us packets over the cap (MQTT 5 maximum packet size).
    mosquitto_property* properties = nullptr;
    const auto maxPacket = static_cast<std::uint32_t>(
        std::min<std::size_t>(maxPayload_ + kPacketOverhead, 0x7fffffffu));
    mosquitto_property_add_int32(&properties, MQTT_PROP_MAXIMUM_PACKET_SIZE, maxPacket);
    // Asynchronous: the TCP connect does not block, so a stop is noticed.
    int rc = mosquitto_connect_bind_v5(mosq_, target_.host.c_str(), target_.port, kKeepAliveSeconds,
                                       nullptr, properties);
    mosquitto_property_free_all(&properties);
    if (rc != MOSQ_ERR_SUCCESS)
        return mosquittoErrorText(rc);

    const auto deadline = std::chrono::steady_clock::now() + kAnswerTimeout;
    bool subscribed = false;
    while (!lost_) {
        if (connack_ == 0 && !subscribed) {
            rc = mosquitto_subscribe(mosq_, nullptr, target_.topic.c_str(), target_.qos);
            if (rc != MOSQ_ERR_SUCCESS)
                return mosquittoErrorText(rc);
            subscribed = true;
        }
        if (connack_ > 0)
            return mosquitto_reason_string(connack_);
        if (suback_ >= 0)
            break;
        if (stop.stop_requested())
            return "stopping";
        if (std::chrono::steady_clock::now() >= deadline)
            return connack_ < 0 ? "no answer to CONNECT within 3 s"
                                : "no answer to SUBSCRIBE within 3 s";
        rc = mosquitto_loop(mosq_, 50, 1);
        if (rc != MOSQ_ERR_SUCCESS)
            return mosquittoErrorText(rc);
    }
    if (lost_)
        return "connection closed";
    if (suback_ >= 0x80)
        return "the broker refused the subscription to " + target_.topic;
    return std::nullopt;
}

BrokerError MqttSubscriber::receive(std::chrono::milliseconds wait, BrokerMessages& messages)
{
    if (!mosq_)
        return "not connected";
    into_ = &messages;
    int rc = mosquitto_loop(mosq_, static_cast<int>(wait.count()), 1);
    // mosquitto_loop reads about one packet a call: take what else is
    // already here, so a backlog is skipped, not shown frame by frame.
    for (int more = 0; rc == MOSQ_ERR_SUCCESS && more < kDrainPackets; ++more) {
        const std::uint64_t before =
            messages.replaced + messages.oversized + (messages.newest ? 1 : 0);
        rc = mosquitto_loop(mosq_, 0, 1);
        if (messages.replaced + messages.oversized + (messages.newest ? 1 : 0) == before)
            break;
    }
    into_ = nullptr;
    if (rc != MOSQ_ERR_SUCCESS)
        return mosquittoErrorText(rc);
    if (lost_)
        return "the broker closed the connection";
    return std::nullopt;
}

void MqttSubscriber::disconnect()
{
    closeMosquitto(mosq_, connack_ == 0 && !lost_);
}

void MqttSubscriber::onConnect(mosquitto*, void* self, int code)
{
    static_cast<MqttSubscriber*>(self)->connack_ = code;
}

void MqttSubscriber::onDisconnect(mosquitto*, void* self, int)
{
    static_cast<MqttSubscriber*>(self)->lost_ = true;
}

void MqttSubscriber::onSubscribe(mosquitto*, void* self, int, int count, const int* granted)
{
    static_cast<MqttSubscriber*>(self)->suback_ = count > 0 ? granted[0] : 0x80;
}

void MqttSubscriber::onMessage(mosquitto*, void* self, const mosquitto_message* message,
                               const mqtt5__property* properties)
{
    auto* subscriber = static_cast<MqttSubscriber*>(self);
    BrokerMessages* into = subscriber->into_;
    if (!into || message->payloadlen < 0)
        return;
    const auto size = static_cast<std::size_t>(message->payloadlen);
    if (size > subscriber->maxPayload_) {
        ++into->oversized;
        return;
    }
    if (into->newest)
        ++into->replaced;
    const auto* bytes = static_cast<const std::uint8_t*>(message->payload);
    into->newest.emplace(bytes, bytes + size);
    into->newestCapture = captureTime(properties);
}

} // namespace pistream
