#include "broker/kafka_conf.h"

#include <string_view>

#include <spdlog/spdlog.h>

#include "core/printable_text.h"

namespace pistream {

bool setKafkaOption(rd_kafka_conf_t* conf, const char* key, const std::string& value,
                    std::string& error)
{
    char text[512];
    if (rd_kafka_conf_set(conf, key, value.c_str(), text, sizeof text) == RD_KAFKA_CONF_OK)
        return true;
    error = std::string(key) + ": " + text;
    return false;
}

rd_kafka_conf_t* newKafkaConf(const std::string& brokers, const std::string& clientId, void* self,
                              KafkaErrorCallback onError, std::string& error)
{
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    const bool configured = setKafkaOption(conf, "bootstrap.servers", brokers, error) &&
                            setKafkaOption(conf, "client.id", clientId, error) &&
                            setKafkaOption(conf, "socket.timeout.ms", "3000", error) &&
                            setKafkaOption(conf, "reconnect.backoff.ms", "250", error) &&
                            setKafkaOption(conf, "reconnect.backoff.max.ms", "4000", error) &&
                            setKafkaOption(conf, "log_level", "4", error);
    if (!configured) {
        rd_kafka_conf_destroy(conf);
        return nullptr;
    }
    rd_kafka_conf_set_opaque(conf, self);
    rd_kafka_conf_set_log_cb(
        conf, [](const rd_kafka_t*, int, const char* facility, const char* text) {
            spdlog::debug("librdkafka {}: {}", facility, escapeText(std::string_view(text), 512));
        });
    rd_kafka_conf_set_error_cb(conf, onError);
    return conf;
}

} // namespace pistream
