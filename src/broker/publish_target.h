#pragma once

#include <cstdint>
#include <string>

namespace pistream {

// Where one --publish URL sends frames (or a --source URL takes them from), parsed. Pure data: no
// sockets.
struct PublishTarget {
    enum class Kind { Mqtt, Redis, Kafka };
    // MQTT payload: the JPEG bytes (Home Assistant's MQTT camera) or its base64
    // text (what the Python MQTT streamers send and read).
    enum class Format { Jpeg, Base64 };

    Kind kind = Kind::Mqtt;
    std::string host;
    std::uint16_t port = 0;
    std::string user;     // MQTT only; empty for none
    std::string password; // MQTT only
    std::string topic;    // the MQTT or Kafka topic, or the Redis channel
    // Kafka: the bootstrap brokers, "host:port,host:port" (host and port are
    // the first one's).
    std::string brokers;
    Format format = Format::Jpeg;
    double fps = 0; // at most this many frames a second; 0: every frame
    int qos = 0;    // MQTT 0 or 1
    // MQTT 5 rather than 3.1.1 (?protocol=5): the same payload, with user
    // properties "sequence", "capture_time" (Unix microseconds), "width" and
    // "height", as the Kafka headers. 3.1.1 works with every broker; 5 needs
    // one that speaks it (mosquitto 1.6 on). Subscribers of either version
    // get the same payload: the broker leaves the properties out for 3.1.1.
    bool mqtt5 = false;

    // The URL without the password, for logs and /api/status.
    std::string describe() const;
    // The same without the publishing parameters (format, qos, fps): what a
    // subscriber to it is reading.
    std::string describeSource() const;
};

constexpr std::uint16_t kDefaultMqttPort = 1883;
constexpr std::uint16_t kDefaultRedisPort = 6379;
constexpr std::uint16_t kDefaultKafkaPort = 9092;

// Parses a --publish URL:
//   mqtt://[user[:password]@]host[:port]/topic[?format=jpeg|base64&fps=N&qos=0|1&protocol=5]
//   redis://host[:port]/channel[?fps=N]
//   kafka://broker[:port][,broker[:port]...]/topic[?fps=N]
// Throws std::invalid_argument with one line naming --publish and the part
// that is wrong. IPv6 hosts go in brackets: mqtt://[::1]:1883/cam.
PublishTarget parsePublishUrl(const std::string& url);

// A --source URL: the same, but with no ?parameters (the payload's format is
// detected) and errors naming --source:
//   mqtt://[user[:password]@]host[:port]/topic    redis://host[:port]/channel
// A topic with + or # is refused here too: one stream, one topic.
PublishTarget parseSourceUrl(const std::string& url);

} // namespace pistream
