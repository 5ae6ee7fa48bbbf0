#pragma once

// A Kafka cluster for end-to-end tests. No Kafka broker is packaged in
// Debian, so by default this is librdkafka's own mock cluster
// (rd_kafka_mock_cluster_new): the real Kafka protocol over real loopback
// sockets, served by threads of the test process, gone with the object. With
// PISTREAM_KAFKA_BROKERS=host:port[,host:port] set, the tests use that real
// cluster instead and this creates nothing.

#include <string>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace pistream::test {

class KafkaCluster {
public:
    // One broker; topics are created on first use (or with createTopic).
    KafkaCluster();
    ~KafkaCluster();
    KafkaCluster(const KafkaCluster&) = delete;
    KafkaCluster& operator=(const KafkaCluster&) = delete;

    // "host:port[,host:port]" for bootstrap.servers and kafka:// URLs.
    const std::string& bootstraps() const { return bootstraps_; }
    bool mock() const { return cluster_ != nullptr; }
    // A topic with one partition (the mock only; a real cluster creates its own).
    void createTopic(const std::string& topic);
    // The broker stops and starts again (the mock only): connections are
    // closed and new ones refused while it is down.
    void setDown(bool down);
    // Why the cluster could not be made, "" when it was.
    const std::string& error() const { return error_; }

private:
    rd_kafka_s* kafka_ = nullptr;
    rd_kafka_mock_cluster_s* cluster_ = nullptr;
    std::string bootstraps_;
    std::string error_;
};

} // namespace pistream::test
