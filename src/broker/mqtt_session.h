#pragma once

#include <string>
#include <string_view>

#include "broker/publish_target.h"

struct mosquitto;

namespace pistream {

// What the MQTT publisher, the notifier and the MQTT source share around
// libmosquitto: each drives its own handle from its own thread.

// "No such file..." for MOSQ_ERR_ERRNO, else mosquitto's own text.
std::string mosquittoErrorText(int code);

// A handle for `target`'s broker: library initialised once, a client id
// unique in this process (`prefix`-PID-N, at most the 23 characters every
// MQTT broker accepts), `protocol` (MQTT_PROTOCOL_V311 or _V5), the user and
// password if any. `self` is handed to the callbacks. nullptr with `error` set
// when the library cannot make one.
mosquitto* newMosquitto(std::string_view prefix, void* self, int protocol,
                        const PublishTarget& target, std::string& error);

// Sends DISCONNECT when `connected` (so the broker drops the will), frees the
// handle and sets it to nullptr; nothing when it is already nullptr.
void closeMosquitto(mosquitto*& mosq, bool connected);

} // namespace pistream
