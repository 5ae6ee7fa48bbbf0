#pragma once

#include <string>

#include "broker/publish_target.h"

namespace pistream {

// Parses --mqtt: the broker's URL, with an optional topic prefix as its path
// (default "pistream"). Throws std::invalid_argument naming --mqtt.
PublishTarget parseMqttNotifyUrl(const std::string& url);

// Checks a --webhook URL: http:// or https://, a host, no spaces or control
// characters. Throws std::invalid_argument naming --webhook.
void checkWebhookUrl(const std::string& url);

} // namespace pistream
