#include "broker/broker_subscriber.h"

#include <stdexcept>

#ifdef PISTREAM_HAVE_MOSQUITTO
#include "broker/mqtt_subscriber.h"
#endif
#ifdef PISTREAM_HAVE_HIREDIS
#include "broker/redis_subscriber.h"
#endif
#ifdef PISTREAM_HAVE_RDKAFKA
#include "broker/kafka_subscriber.h"
#endif

namespace pistream {

std::unique_ptr<BrokerSubscriber> makeBrokerSubscriber(const PublishTarget& target,
                                                       std::size_t maxPayload,
                                                       const std::string& kafkaGroup)
{
    (void)maxPayload;
    (void)kafkaGroup;
    switch (target.kind) {
    case PublishTarget::Kind::Mqtt:
#ifdef PISTREAM_HAVE_MOSQUITTO
        return std::make_unique<MqttSubscriber>(target, maxPayload);
#else
        throw std::runtime_error("--source mqtt://: this build has no MQTT (built without "
                                 "libmosquitto-dev)");
#endif
    case PublishTarget::Kind::Redis:
#ifdef PISTREAM_HAVE_HIREDIS
        return std::make_unique<RedisSubscriber>(target, maxPayload);
#else
        throw std::runtime_error("--source redis://: this build has no Redis (built without "
                                 "libhiredis-dev)");
#endif
    case PublishTarget::Kind::Kafka:
#ifdef PISTREAM_HAVE_RDKAFKA
        return std::make_unique<KafkaSubscriber>(target, maxPayload, kafkaGroup);
#else
        throw std::runtime_error("--source kafka://: this build has no Kafka (built without "
                                 "librdkafka-dev)");
#endif
    }
    throw std::logic_error("unknown broker kind");
}

} // namespace pistream
