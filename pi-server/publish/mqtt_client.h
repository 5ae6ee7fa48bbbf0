#pragma once

#include <span>

#include "publish/broker_client.h"

struct mosquitto;
struct mqtt5__property;
typedef struct mqtt5__property mosquitto_property;

namespace pistream {

// Publishes frames to an MQTT broker with libmosquitto, driven by the calling
// thread (mosquitto_loop), so the publisher's reconnect policy decides when to
// try again rather than the library's own.
class MqttClient final : public BrokerClient {
public:
    explicit MqttClient(PublishTarget target);
    ~MqttClient() override;

    // The broker publishes this (retained) when the connection is lost
    // without a DISCONNECT: a kill -9, a power cut. Before connect().
    void setWill(std::string topic, std::string payload);

    BrokerError connect(const std::stop_token& stop) override;
    BrokerError publish(const EncodedFrame& frame) override;
    // Any message: the frame's topic is the target's; this one is the caller's.
    // `properties`: MQTT 5 only (none for 3.1.1).
    BrokerError publish(const std::string& topic, std::span<const std::uint8_t> payload, int qos,
                        bool retain, const mosquitto_property* properties = nullptr);
    bool ready() const override;
    BrokerError service(std::chrono::milliseconds wait) override;
    void disconnect() override;

private:
    static void onConnect(mosquitto*, void* self, int code);
    static void onDisconnect(mosquitto*, void* self, int code);
    static void onPublish(mosquitto*, void* self, int mid);

    PublishTarget target_;
    std::string willTopic_; // none when empty
    std::string willPayload_;
    mosquitto* mosq_ = nullptr;
    int connack_ = -1;  // the broker's answer to CONNECT; -1 while none came
    bool lost_ = false; // on_disconnect was called
    int inflight_ = 0;  // messages handed to the library, not yet sent (or acked)
};

} // namespace pistream
