#pragma once

#include <librdkafka/rdkafka.h>
#include <string>

namespace pistream {

// Sets one librdkafka configuration property; on failure `error` names it and why.
bool setKafkaOption(rd_kafka_conf_t* conf, const char* key, const std::string& value,
                    std::string& error);

using KafkaErrorCallback = void (*)(rd_kafka_t* kafka, int code, const char* reason, void* self);

// What the Kafka publisher and the Kafka source share: the brokers and the
// client id, 3 s socket timeout, reconnects 0.25 s doubling to 4 s,
// librdkafka's own lines to the debug log (escaped; what matters reaches the
// caller's rate-limited lines through `onError`), `self` handed to the
// callbacks. nullptr with `error` set when an option is refused.
rd_kafka_conf_t* newKafkaConf(const std::string& brokers, const std::string& clientId, void* self,
                              KafkaErrorCallback onError, std::string& error);

} // namespace pistream
