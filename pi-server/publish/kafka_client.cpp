#include "publish/kafka_client.h"

#include <array>
#include <chrono>
#include <librdkafka/rdkafka.h>
#include <string_view>
#include <unistd.h>
#include <utility>

#include <spdlog/spdlog.h>

#include "broker/kafka_conf.h"
#include "core/host_name.h"
#include "core/printable_text.h"
#include "publish/publish_payload.h"

namespace pistream {

namespace {

// Messages handed to librdkafka and not yet acknowledged, at most.
constexpr int kMaxKafkaInflight = 8;
constexpr int kMetadataTimeoutMs = 3000;

} // namespace

KafkaClient::KafkaClient(PublishTarget target) : target_(std::move(target)), key_(hostName()) {}

KafkaClient::~KafkaClient()
{
    disconnect();
}

BrokerError KafkaClient::connect(const std::stop_token& stop)
{
    (void)stop; // the metadata timeout bounds the wait
    disconnect();
    failed_ = false;
    std::string error;
    rd_kafka_conf_t* conf =
        newKafkaConf(target_.brokers, "pistream-" + key_, this, &KafkaClient::onError, error);
    if (!conf)
        return error;
    const bool configured =
        setKafkaOption(conf, "linger.ms", "5", error) &&
        // The local queue: a few frames, never more than 64 MiB.
        setKafkaOption(conf, "queue.buffering.max.messages", std::to_string(kMaxKafkaInflight * 2),
                       error) &&
        setKafkaOption(conf, "queue.buffering.max.kbytes", "65536", error) &&
        setKafkaOption(conf, "message.max.bytes", std::to_string(16 << 20), error) &&
        setKafkaOption(conf, "message.timeout.ms", "5000", error) &&
        setKafkaOption(conf, "acks", "1", error);
    if (!configured) {
        rd_kafka_conf_destroy(conf);
        return error;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t* kafka, const rd_kafka_message_t* message,
                                         void* self) { onDelivery(kafka, message, self); });
    char text[512];
    kafka_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, text, sizeof text);
    if (!kafka_) {
        rd_kafka_conf_destroy(conf);
        return std::string(text);
    }
    // librdkafka connects lazily: ask for the topic's metadata to know the
    // cluster is there (and the topic, or that it may be created).
    rd_kafka_topic_t* topic = rd_kafka_topic_new(kafka_, target_.topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t code =
        rd_kafka_metadata(kafka_, 0, topic, &metadata, kMetadataTimeoutMs);
    if (topic)
        rd_kafka_topic_destroy(topic);
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR)
        return std::string("no answer from ") + target_.brokers + ": " + rd_kafka_err2str(code);
    rd_kafka_metadata_destroy(metadata);
    return std::nullopt;
}

BrokerError KafkaClient::publish(const EncodedFrame& frame)
{
    if (!kafka_)
        return "not connected";
    const auto captured = std::chrono::duration_cast<std::chrono::microseconds>(
                              captureWallTime(frame).time_since_epoch())
                              .count();
    const std::string sequence = std::to_string(frame.header.sequence);
    const std::string capture = std::to_string(captured);
    const std::string width = std::to_string(frame.header.width);
    const std::string height = std::to_string(frame.header.height);
    // rd_kafka_produceva with a typed array: the RD_KAFKA_V_ macros are C casts.
    std::array<rd_kafka_vu_t, 9> fields{};
    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    fields[0].u.cstr = target_.topic.c_str();
    fields[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    fields[1].u.i = RD_KAFKA_MSG_F_COPY; // the frame goes back to its pool; librdkafka keeps a copy
    fields[2].vtype = RD_KAFKA_VTYPE_KEY;
    fields[2].u.mem = {const_cast<char*>(key_.data()), key_.size()};
    fields[3].vtype = RD_KAFKA_VTYPE_VALUE;
    fields[3].u.mem = {const_cast<std::uint8_t*>(frame.jpeg.data()), frame.jpeg.size()};
    fields[4].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    fields[4].u.i64 = captured / 1000;
    const std::pair<const char*, const std::string*> headers[] = {{"sequence", &sequence},
                                                                  {"capture_time", &capture},
                                                                  {"width", &width},
                                                                  {"height", &height}};
    std::size_t count = 5;
    for (const auto& header : headers) {
        rd_kafka_vu_t& field = fields[count++];
        field.vtype = RD_KAFKA_VTYPE_HEADER;
        field.u.header.name = header.first;
        field.u.header.val = header.second->data();
        field.u.header.size = static_cast<ssize_t>(header.second->size());
    }
    rd_kafka_error_t* error = rd_kafka_produceva(kafka_, fields.data(), count);
    if (error) {
        const std::string why = std::string("produce: ") + rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        return why;
    }
    return service(std::chrono::milliseconds(0));
}

bool KafkaClient::ready() const
{
    return kafka_ && rd_kafka_outq_len(kafka_) < kMaxKafkaInflight;
}

BrokerError KafkaClient::service(std::chrono::milliseconds wait)
{
    if (!kafka_)
        return "not connected";
    rd_kafka_poll(kafka_, static_cast<int>(wait.count()));
    if (failed_.load())
        return failure_;
    return std::nullopt;
}

void KafkaClient::disconnect()
{
    if (!kafka_)
        return;
    // What is still queued is dropped, not waited for: a lost cluster would
    // hold destroy for message.timeout.ms.
    rd_kafka_purge(kafka_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(kafka_, 0);
    rd_kafka_destroy(kafka_);
    kafka_ = nullptr;
}

void KafkaClient::onDelivery(rd_kafka_s*, const void* message, void* self)
{
    const auto* report = static_cast<const rd_kafka_message_t*>(message);
    auto* client = static_cast<KafkaClient*>(self);
    if (report->err == RD_KAFKA_RESP_ERR_NO_ERROR ||
        report->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
        report->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT || client->failed_.load())
        return;
    client->failure_ = std::string("delivery failed: ") + rd_kafka_err2str(report->err);
    client->failed_ = true;
}

void KafkaClient::onError(rd_kafka_s* kafka, int error, const char* reason, void* self)
{
    auto* client = static_cast<KafkaClient*>(self);
    const auto code = static_cast<rd_kafka_resp_err_t>(error);
    // Only what makes the producer useless: librdkafka rides out single
    // broker disconnects by itself.
    const bool fatal =
        code == RD_KAFKA_RESP_ERR__FATAL || code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
    if (!fatal || client->failed_.load())
        return;
    char text[512] = {};
    if (code == RD_KAFKA_RESP_ERR__FATAL)
        rd_kafka_fatal_error(kafka, text, sizeof text);
    client->failure_ = text[0] ? std::string(text) : std::string(reason);
    client->failed_ = true;
}

} // namespace pistream
