#pragma once

#include "broker/broker_subscriber.h"

struct mosquitto;
struct mosquitto_message;
struct mqtt5__property;

namespace pistream {

// Subscribes to an MQTT topic with libmosquitto, driven by the calling thread
// (mosquitto_loop), so the source's reconnect policy decides when to try
// again rather than the library's own. Connects with MQTT 5 and tells the
// broker its maximum packet size, so the broker drops messages over the cap
// instead of sending them.
class MqttSubscriber final : public BrokerSubscriber {
public:
    MqttSubscriber(PublishTarget target, std::size_t maxPayload);
    ~MqttSubscriber() override;

    BrokerError connect(const std::stop_token& stop) override;
    BrokerError receive(std::chrono::milliseconds wait, BrokerMessages& messages) override;
    void disconnect() override;

private:
    static void onConnect(mosquitto*, void* self, int code);
    static void onDisconnect(mosquitto*, void* self, int code);
    static void onSubscribe(mosquitto*, void* self, int mid, int count, const int* granted);
    static void onMessage(mosquitto*, void* self, const mosquitto_message* message,
                          const mqtt5__property* properties);

    PublishTarget target_;
    std::size_t maxPayload_;
    mosquitto* mosq_ = nullptr;
    int connack_ = -1;               // the broker's answer to CONNECT; -1 while none came
    int suback_ = -1;                // the granted QoS (0x80: refused); -1 while none came
    bool lost_ = false;              // on_disconnect was called
    BrokerMessages* into_ = nullptr; // where on_message puts messages, during receive()
};

} // namespace pistream
