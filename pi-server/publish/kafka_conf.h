#pragma once

#include <librdkafka/rdkafka.h>
#include <string>

namespace pistream {

// Sets one librdkafka configuration property; on failure `error` names it and why.
inline bool setKafkaOption(rd_kafka_conf_t* conf, const char* key, const std::string& value,
                           std::string& error)
{
    char text[512];
    if (rd_kafka_conf_set(conf, key, value.c_str(), text, sizeof text) == RD_KAFKA_CONF_OK)
        return true;
    error = std::string(key) + ": " + text;
    return false;
}

} // namespace pistream
