#pragma once

#include <atomic>
#include <string>

#include "broker/broker_subscriber.h"

struct rd_kafka_s;

namespace pistream {

// Consumes JPEG frames from a Kafka topic with librdkafka. One consumer group
// per server ("pistream-HOSTNAME"), so several servers each get every frame
// (a viewer names a group of its own);
// partitions are started at their newest offset whatever was committed (live
// video, not a backlog), and what librdkafka has fetched ahead is drained to
// the newest message on every receive(). Its prefetch queue is bounded by the
// payload cap, and the brokers are told the cap as the largest fetch.
class KafkaSubscriber final : public BrokerSubscriber {
public:
    // group: the consumer group; empty: "pistream-HOSTNAME".
    KafkaSubscriber(PublishTarget target, std::size_t maxPayload, std::string group = {});
    ~KafkaSubscriber() override;

    BrokerError connect(const std::stop_token& stop) override;
    BrokerError receive(std::chrono::milliseconds wait, BrokerMessages& messages) override;
    void disconnect() override;

private:
    static void onError(rd_kafka_s* kafka, int error, const char* reason, void* self);
    static void onRebalance(rd_kafka_s* kafka, int error, void* partitions, void* self);
    // One message from librdkafka: kept as the newest, or counted.
    BrokerError take(void* message, BrokerMessages& messages);

    PublishTarget target_;
    std::size_t maxPayload_;
    std::string group_;
    rd_kafka_s* kafka_ = nullptr;
    std::atomic<bool> failed_{false};
    std::string failure_; // written before failed_ is set
};

} // namespace pistream
