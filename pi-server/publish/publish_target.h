#pragma once

#include <cstdint>
#include <string>

namespace pistream {

// Where one --publish URL sends frames, parsed. Pure data: no sockets.
struct PublishTarget {
    enum class Kind { Mqtt, Redis };
    // MQTT payload: the JPEG bytes (Home Assistant's MQTT camera) or its base64
    // text (what the Python MQTT streamers send and read).
    enum class Format { Jpeg, Base64 };

    Kind kind = Kind::Mqtt;
    std::string host;
    std::uint16_t port = 0;
    std::string user;     // MQTT only; empty for none
    std::string password; // MQTT only
    std::string topic;    // the MQTT topic or the Redis channel
    Format format = Format::Jpeg;
    double fps = 0; // at most this many frames a second; 0: every frame
    int qos = 0;    // MQTT 0 or 1

    // The URL without the password, for logs and /api/status.
    std::string describe() const;
};

constexpr std::uint16_t kDefaultMqttPort = 1883;
constexpr std::uint16_t kDefaultRedisPort = 6379;

// Parses a --publish URL:
//   mqtt://[user[:password]@]host[:port]/topic[?format=jpeg|base64&fps=N&qos=0|1]
//   redis://host[:port]/channel[?fps=N]
// Throws std::invalid_argument with one line naming --publish and the part
// that is wrong. IPv6 hosts go in brackets: mqtt://[::1]:1883/cam.
PublishTarget parsePublishUrl(const std::string& url);

} // namespace pistream
