#include "support/kafka_mock.h"

#include <cstdlib>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace pistream::test {

KafkaCluster::KafkaCluster()
{
    if (const char* brokers = std::getenv("PISTREAM_KAFKA_BROKERS"); brokers && *brokers) {
        bootstraps_ = brokers;
        return;
    }
    // The mock cluster lives in an rd_kafka_t of its own that produces nothing.
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char text[512];
    rd_kafka_conf_set(conf, "log_level", "3", text, sizeof text);
    kafka_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, text, sizeof text);
    if (!kafka_) {
        rd_kafka_conf_destroy(conf);
        error_ = text;
        return;
    }
    cluster_ = rd_kafka_mock_cluster_new(kafka_, 1);
    if (!cluster_) {
        error_ = "rd_kafka_mock_cluster_new failed";
        return;
    }
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

KafkaCluster::~KafkaCluster()
{
    if (cluster_)
        rd_kafka_mock_cluster_destroy(cluster_);
    if (kafka_)
        rd_kafka_destroy(kafka_);
}

void KafkaCluster::createTopic(const std::string& topic)
{
    if (cluster_)
        rd_kafka_mock_topic_create(cluster_, topic.c_str(), 1, 1);
}

} // namespace pistream::test

namespace pistream::test {

void KafkaCluster::setDown(bool down)
{
    if (!cluster_)
        return;
    if (down)
        rd_kafka_mock_broker_set_down(cluster_, 1);
    else
        rd_kafka_mock_broker_set_up(cluster_, 1);
}

} // namespace pistream::test
