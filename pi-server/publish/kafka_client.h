#pragma once

#include <atomic>
#include <string>

#include "publish/broker_client.h"

struct rd_kafka_s;

namespace pistream {

// Produces frames to a Kafka topic with librdkafka: key = the camera's name
// (the host name), value = the JPEG, headers "sequence", "capture_time" (µs
// since the epoch), "width" and "height" as decimal text, the message's
// timestamp the capture time. librdkafka batches on its own thread with a
// 5 ms linger; its queue is bounded (a few frames and 64 MiB), and ready()
// holds frames back while a few are on their way, so a slow cluster makes
// the publisher's queue drop the oldest. Delivery reports are served by
// service() on the publisher's thread; the io thread never waits on Kafka.
class KafkaClient final : public BrokerClient {
public:
    explicit KafkaClient(PublishTarget target);
    ~KafkaClient() override;

    BrokerError connect(const std::stop_token& stop) override;
    BrokerError publish(const EncodedFrame& frame) override;
    bool ready() const override;
    BrokerError service(std::chrono::milliseconds wait) override;
    void disconnect() override;

    // The key frames are produced with.
    const std::string& key() const { return key_; }

private:
    static void onDelivery(rd_kafka_s* kafka, const void* message, void* self);
    static void onError(rd_kafka_s* kafka, int error, const char* reason, void* self);

    PublishTarget target_;
    std::string key_;
    rd_kafka_s* kafka_ = nullptr;
    // Set by librdkafka's callbacks, which run inside rd_kafka_poll on the
    // publisher's thread, and by its error callback.
    std::atomic<bool> failed_{false};
    std::string failure_; // written before failed_ is set
};

} // namespace pistream
