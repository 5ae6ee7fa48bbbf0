#include "broker/kafka_subscriber.h"

#include <charconv>
#include <librdkafka/rdkafka.h>
#include <string_view>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "broker/kafka_conf.h"
#include "core/host_name.h"
#include "core/printable_text.h"

namespace pistream {

namespace {

constexpr int kMetadataTimeoutMs = 3000;
// Messages taken from librdkafka's queue in one receive() at most.
constexpr int kDrainMessages = 256;
// Room for a fetch response's framing besides the payload.
constexpr std::size_t kFetchOverhead = 64 * 1024;

// The "capture_time" header pistream's Kafka publisher sends (Unix
// microseconds, as text), if there is one and it is a number.
std::optional<std::int64_t> captureTime(rd_kafka_message_t* message)
{
    rd_kafka_headers_t* headers = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(headers, "capture_time", &value, &size) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        !value)
        return std::nullopt;
    const char* text = static_cast<const char*>(value);
    std::int64_t micros = 0;
    const auto [stop, error] = std::from_chars(text, text + size, micros);
    if (error != std::errc{} || stop != text + size || micros <= 0)
        return std::nullopt;
    return micros;
}

} // namespace

KafkaSubscriber::KafkaSubscriber(PublishTarget target, std::size_t maxPayload, std::string group)
    : target_(std::move(target)), maxPayload_(maxPayload),
      group_(group.empty() ? "pistream-" + hostName() : std::move(group))
{}

KafkaSubscriber::~KafkaSubscriber()
{
    disconnect();
}

BrokerError KafkaSubscriber::connect(const std::stop_token& stop)
{
    (void)stop; // the metadata timeout bounds the wait
    disconnect();
    failed_ = false;
    const std::string fetchMax = std::to_string(maxPayload_ + kFetchOverhead);
    std::string error;
    rd_kafka_conf_t* conf =
        newKafkaConf(target_.brokers, group_, this, &KafkaSubscriber::onError, error);
    if (!conf)
        return error;
    const bool configured =
        setKafkaOption(conf, "group.id", group_, error) &&
        setKafkaOption(conf, "auto.offset.reset", "latest", error) &&
        setKafkaOption(conf, "enable.auto.commit", "true", error) &&
        setKafkaOption(conf, "enable.partition.eof", "false", error) &&
        // A bounded prefetch: about two frames at the cap, never a backlog.
        setKafkaOption(conf, "max.partition.fetch.bytes", fetchMax, error) &&
        setKafkaOption(conf, "fetch.max.bytes", fetchMax, error) &&
        setKafkaOption(conf, "receive.message.max.bytes",
                       std::to_string(maxPayload_ + 2 * kFetchOverhead), error) &&
        setKafkaOption(conf, "queued.max.messages.kbytes",
                       std::to_string(2 * (maxPayload_ >> 10) + 64), error) &&
        setKafkaOption(conf, "fetch.wait.max.ms", "10", error);
    if (!configured) {
        rd_kafka_conf_destroy(conf);
        return error;
    }
    rd_kafka_conf_set_rebalance_cb(
        conf,
        [](rd_kafka_t* kafka, rd_kafka_resp_err_t code, rd_kafka_topic_partition_list_t* partitions,
           void* self) { onRebalance(kafka, static_cast<int>(code), partitions, self); });
    char text[512];
    kafka_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, text, sizeof text);
    if (!kafka_) {
        rd_kafka_conf_destroy(conf);
        return std::string(text);
    }
    rd_kafka_poll_set_consumer(kafka_);

    // librdkafka connects lazily: the topic's metadata says the cluster is there.
    rd_kafka_topic_t* topic = rd_kafka_topic_new(kafka_, target_.topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t code =
        rd_kafka_metadata(kafka_, 0, topic, &metadata, kMetadataTimeoutMs);
    if (topic)
        rd_kafka_topic_destroy(topic);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR)
        return std::string("no answer from ") + target_.brokers + ": " + rd_kafka_err2str(code);
    rd_kafka_metadata_destroy(metadata);

    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, target_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t subscribed = rd_kafka_subscribe(kafka_, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (subscribed != RD_KAFKA_RESP_ERR_NO_ERROR)
        return std::string("subscribe: ") + rd_kafka_err2str(subscribed);
    return std::nullopt;
}

BrokerError KafkaSubscriber::receive(std::chrono::milliseconds wait, BrokerMessages& messages)
{
    if (!kafka_)
        return "not connected";
    if (BrokerError error =
            take(rd_kafka_consumer_poll(kafka_, static_cast<int>(wait.count())), messages))
        return error;
    // What else has been fetched already: only the newest of it is kept.
    for (int more = 0; more < kDrainMessages; ++more) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(kafka_, 0);
        if (!message)
            break;
        if (BrokerError error = take(message, messages))
            return error;
    }
    if (failed_.load())
        return failure_;
    return std::nullopt;
}

BrokerError KafkaSubscriber::take(void* raw, BrokerMessages& messages)
{
    auto* message = static_cast<rd_kafka_message_t*>(raw);
    if (!message)
        return std::nullopt;
    BrokerError error;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Fatal ones end the connection; librdkafka rides out the rest itself.
        if (message->err == RD_KAFKA_RESP_ERR__FATAL ||
            message->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
            message->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
            error = std::string(rd_kafka_message_errstr(message));
    } else if (message->len > maxPayload_) {
        ++messages.oversized;
    } else {
        if (messages.newest)
            ++messages.replaced;
        const auto* bytes = static_cast<const std::uint8_t*>(message->payload);
        messages.newest.emplace(bytes, bytes + message->len);
        messages.newestCapture = captureTime(message);
    }
    rd_kafka_message_destroy(message);
    return error;
}

void KafkaSubscriber::disconnect()
{
    if (!kafka_)
        return;
    // Not rd_kafka_consumer_close: leaving the group waits on a broker that
    // may be gone. The group notices by its session timeout.
    rd_kafka_destroy_flags(kafka_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    kafka_ = nullptr;
}

void KafkaSubscriber::onError(rd_kafka_s* kafka, int error, const char* reason, void* self)
{
    auto* subscriber = static_cast<KafkaSubscriber*>(self);
    const auto code = static_cast<rd_kafka_resp_err_t>(error);
    // Brokers that go away are not an error here: the consumer keeps its
    // group membership and librdkafka reconnects by itself (0.25 s doubling
    // to 4 s); the source reports the silence as down meanwhile. A new
    // consumer per outage would only make the group rebalance.
    if (code != RD_KAFKA_RESP_ERR__FATAL || subscriber->failed_.load())
        return;
    char text[512] = {};
    if (code == RD_KAFKA_RESP_ERR__FATAL)
        rd_kafka_fatal_error(kafka, text, sizeof text);
    subscriber->failure_ = text[0] ? std::string(text) : std::string(reason);
    subscriber->failed_ = true;
}

void KafkaSubscriber::onRebalance(rd_kafka_s* kafka, int error, void* raw, void*)
{
    auto* partitions = static_cast<rd_kafka_topic_partition_list_t*>(raw);
    if (static_cast<rd_kafka_resp_err_t>(error) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        // The newest offset, whatever the group committed: live video.
        for (int i = 0; i < partitions->cnt; ++i)
            partitions->elems[i].offset = RD_KAFKA_OFFSET_END;
        rd_kafka_assign(kafka, partitions);
    } else {
        rd_kafka_assign(kafka, nullptr);
    }
}

} // namespace pistream
