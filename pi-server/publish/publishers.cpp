#include "publish/publishers.h"

#include <stdexcept>

#ifdef PISTREAM_HAVE_MOSQUITTO
#include "publish/mqtt_client.h"
#endif
#ifdef PISTREAM_HAVE_HIREDIS
#include "publish/redis_client.h"
#endif
#ifdef PISTREAM_HAVE_RDKAFKA
#include "publish/kafka_client.h"
#endif

namespace pistream {

std::unique_ptr<BrokerClient> makeBrokerClient(const PublishTarget& target)
{
    switch (target.kind) {
    case PublishTarget::Kind::Mqtt:
#ifdef PISTREAM_HAVE_MOSQUITTO
        return std::make_unique<MqttClient>(target);
#else
        throw std::runtime_error("--publish mqtt://: this build has no MQTT (built without "
                                 "libmosquitto-dev)");
#endif
    case PublishTarget::Kind::Redis:
#ifdef PISTREAM_HAVE_HIREDIS
        return std::make_unique<RedisClient>(target);
#else
        throw std::runtime_error("--publish redis://: this build has no Redis (built without "
                                 "libhiredis-dev)");
#endif
    case PublishTarget::Kind::Kafka:
#ifdef PISTREAM_HAVE_RDKAFKA
        return std::make_unique<KafkaClient>(target);
#else
        throw std::runtime_error("--publish kafka://: this build has no Kafka (built without "
                                 "librdkafka-dev)");
#endif
    }
    throw std::logic_error("unknown broker kind");
}

Publishers::Publishers(asio::io_context& io, FrameHub& hub, const PublishConfig& config)
{
    for (const PublishTarget& target : config.targets)
        publishers_.push_back(std::make_unique<BrokerPublisher>(
            io, hub, target, makeBrokerClient(target), config.publisher));
}

void Publishers::start()
{
    for (auto& publisher : publishers_)
        publisher->start();
}

void Publishers::stop()
{
    for (auto& publisher : publishers_)
        publisher->stop();
}

std::vector<PublisherStats> Publishers::stats() const
{
    std::vector<PublisherStats> stats;
    for (const auto& publisher : publishers_)
        stats.push_back(publisher->stats());
    return stats;
}

} // namespace pistream
