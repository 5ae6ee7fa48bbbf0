#include "broker/publish_target.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace pistream {

namespace {

constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxTopicLength = 1024;

[[noreturn]] void fail(const std::string& url, const std::string& why)
{
    // The URL may hold a password: name the scheme and the bad part, never the whole URL.
    const std::string scheme = url.rfind("mqtt://", 0) == 0    ? " mqtt://..."
                               : url.rfind("redis://", 0) == 0 ? " redis://..."
                               : url.rfind("kafka://", 0) == 0 ? " kafka://..."
                                                               : "";
    throw std::invalid_argument("--publish" + scheme + ": " + why);
}

bool printable(const std::string& text)
{
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte > 0x20 && byte != 0x7f;
    });
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// %XX escapes in the user and password (a password with '@' or ':' in it).
std::string percentDecode(const std::string& url, const std::string& text, const char* what)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        const int high = i + 2 < text.size() ? hexValue(text[i + 1]) : -1;
        const int low = high >= 0 ? hexValue(text[i + 2]) : -1;
        if (low < 0)
            fail(url, std::string("bad %-escape in the ") + what);
        const char decoded = static_cast<char>(high * 16 + low);
        if (decoded == '\0')
            fail(url, std::string("the ") + what + " may not contain %00");
        out += decoded;
        i += 2;
    }
    return out;
}

bool validHost(const std::string& host)
{
    if (host.empty() || host.size() > 253)
        return false;
    if (host.front() == '[')
        return host.size() > 2 && host.back() == ']' &&
               std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
                   return hexValue(c) >= 0 || c == ':' || c == '.' || c == '%';
               });
    return std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '-' || c == '_';
    });
}

std::uint16_t parsePort(const std::string& url, const std::string& text)
{
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size() || value < 1 ||
        value > 65535)
        fail(url, "the port must be 1..65535, not '" + text + "'");
    return static_cast<std::uint16_t>(value);
}

void applyQuery(const std::string& url, const std::string& query, PublishTarget& target)
{
    bool seenFormat = false, seenFps = false, seenQos = false, seenProtocol = false;
    std::size_t start = 0;
    while (start <= query.size()) {
        const std::size_t amp = std::min(query.find('&', start), query.size());
        const std::string pair = query.substr(start, amp - start);
        start = amp + 1;
        const std::size_t eq = pair.find('=');
        const std::string key = pair.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
        const bool mqtt = target.kind == PublishTarget::Kind::Mqtt;
        const auto once = [&](bool& seen) {
            if (seen)
                fail(url, "'" + key + "' is given twice");
            seen = true;
        };
        if (key == "format" && mqtt) {
            once(seenFormat);
            if (value == "jpeg")
                target.format = PublishTarget::Format::Jpeg;
            else if (value == "base64")
                target.format = PublishTarget::Format::Base64;
            else
                fail(url, "format must be jpeg or base64, not '" + value + "'");
        } else if (key == "qos" && mqtt) {
            once(seenQos);
            if (value != "0" && value != "1")
                fail(url, "qos must be 0 or 1, not '" + value + "'");
            target.qos = value[0] - '0';
        } else if (key == "protocol" && mqtt) {
            once(seenProtocol);
            if (value != "5" && value != "3.1.1")
                fail(url, "protocol must be 5 or 3.1.1, not '" + value + "'");
            target.mqtt5 = value == "5";
        } else if (key == "fps") {
            once(seenFps);
            double fps = 0;
            const auto [end, error] =
                std::from_chars(value.data(), value.data() + value.size(), fps);
            if (value.empty() || error != std::errc{} || end != value.data() + value.size() ||
                !(fps >= 0.01 && fps <= 1000))
                fail(url, "fps must be a number from 0.01 to 1000, not '" + value + "'");
            target.fps = fps;
        } else if (key.empty() && pair.empty()) {
            fail(url, "empty parameter in '?" + query + "'");
        } else {
            fail(url, "unknown parameter '" + key + "' (" +
                          (mqtt ? "format, fps, qos and protocol are known" : "fps is known") +
                          ")");
        }
        if (amp == query.size())
            break;
    }
}

} // namespace

PublishTarget parsePublishUrl(const std::string& url)
{
    if (url.size() > kMaxUrlLength)
        fail(url, "longer than " + std::to_string(kMaxUrlLength) + " characters");
    if (!printable(url))
        fail(url, "spaces and control characters are not allowed (use %20 in a password)");
    PublishTarget target;
    const std::size_t schemeEnd = url.find("://");
    const std::string scheme = schemeEnd == std::string::npos ? "" : url.substr(0, schemeEnd);
    if (scheme == "mqtt")
        target.kind = PublishTarget::Kind::Mqtt;
    else if (scheme == "redis")
        target.kind = PublishTarget::Kind::Redis;
    else if (scheme == "kafka")
        target.kind = PublishTarget::Kind::Kafka;
    else
        fail(url, "the URL must start with mqtt://, redis:// or kafka://");
    const bool mqtt = target.kind == PublishTarget::Kind::Mqtt;
    const bool kafka = target.kind == PublishTarget::Kind::Kafka;

    std::string rest = url.substr(schemeEnd + 3);
    const std::size_t slash = rest.find('/');
    if (slash == std::string::npos)
        fail(url, std::string("no ") + (mqtt || kafka ? "topic" : "channel") + " after the host (" +
                      scheme + "://HOST/" + (mqtt || kafka ? "TOPIC" : "CHANNEL") + ")");
    std::string authority = rest.substr(0, slash);
    std::string path = rest.substr(slash + 1);

    // user:password@ (MQTT only)
    const std::size_t at = authority.rfind('@');
    if (at != std::string::npos) {
        if (!mqtt)
            fail(url, scheme + ":// takes no user or password");
        const std::string userInfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const std::size_t colon = userInfo.find(':');
        target.user = percentDecode(url, userInfo.substr(0, colon), "user");
        if (colon != std::string::npos)
            target.password = percentDecode(url, userInfo.substr(colon + 1), "password");
        if (target.user.empty())
            fail(url, "empty user before '@'");
    }

    // Kafka: broker[:port],broker[:port]... (the first is host and port)
    if (kafka) {
        std::size_t start = 0;
        std::string list;
        for (;;) {
            const std::size_t comma = std::min(authority.find(',', start), authority.size());
            const std::string one = authority.substr(start, comma - start);
            const std::size_t close = one.find(']');
            const std::size_t colon = one.find(':', close == std::string::npos ? 0 : close);
            const std::string host = one.substr(0, colon);
            if (!validHost(host))
                fail(url, host.empty() ? std::string("no host") : "bad host '" + host + "'");
            const std::uint16_t port = colon != std::string::npos
                                           ? parsePort(url, one.substr(colon + 1))
                                           : kDefaultKafkaPort;
            if (list.empty()) {
                target.host = host.front() == '[' ? host.substr(1, host.size() - 2) : host;
                target.port = port;
            }
            list += (list.empty() ? "" : ",") + host + ":" + std::to_string(port);
            if (comma == authority.size())
                break;
            start = comma + 1;
        }
        target.brokers = list;
        authority.clear();
    }

    // host[:port], [v6][:port]
    std::string host = authority;
    std::string port;
    const std::size_t close = authority.find(']');
    const std::size_t colon = authority.find(':', close == std::string::npos ? 0 : close);
    if (colon != std::string::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (!kafka) {
        if (!validHost(host))
            fail(url, host.empty() ? std::string("no host") : "bad host '" + host + "'");
        target.host = host.front() == '[' ? host.substr(1, host.size() - 2) : host;
        target.port = colon != std::string::npos ? parsePort(url, port)
                      : mqtt                     ? kDefaultMqttPort
                                                 : kDefaultRedisPort;
    }

    // topic or channel, then ?query
    const std::size_t question = path.find('?');
    target.topic = path.substr(0, question);
    const char* what = mqtt || kafka ? "topic" : "channel";
    if (target.topic.empty())
        fail(url, std::string("empty ") + what);
    if (target.topic.size() > kMaxTopicLength)
        fail(url, std::string(what) + " longer than " + std::to_string(kMaxTopicLength));
    if (mqtt && target.topic.find_first_of("+#") != std::string::npos)
        fail(url, "the topic may not contain the wildcards + or # (one publishes to one topic)");
    // Kafka's own rule for topic names.
    if (kafka && (target.topic.size() > 249 || target.topic == "." || target.topic == ".." ||
                  !std::all_of(target.topic.begin(), target.topic.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                  })))
        fail(url, "a Kafka topic is 1 to 249 of a-z A-Z 0-9 . _ -");
    if (question != std::string::npos)
        applyQuery(url, path.substr(question + 1), target);
    return target;
}

PublishTarget parseSourceUrl(const std::string& url)
{
    static const std::string kPublish = "--publish";
    try {
        if (url.find('?') != std::string::npos)
            fail(url, "no ?parameters for a source (the payload's format is detected)");
        return parsePublishUrl(url);
    } catch (const std::invalid_argument& error) {
        std::string text = error.what();
        if (text.rfind(kPublish, 0) == 0)
            text.replace(0, kPublish.size(), "--source");
        throw std::invalid_argument(text);
    }
}

std::string PublishTarget::describe() const
{
    std::string text = describeSource();
    const bool mqtt = kind == Kind::Mqtt;
    if (mqtt)
        text += std::string("?format=") + (format == Format::Base64 ? "base64" : "jpeg") +
                "&qos=" + std::to_string(qos) + (mqtt5 ? "&protocol=5" : "");
    if (fps > 0) {
        char number[32];
        const auto [end, error] = std::to_chars(number, number + sizeof number, fps);
        text += (mqtt ? "&fps=" : "?fps=") + std::string(number, end);
    }
    return text;
}

std::string PublishTarget::describeSource() const
{
    const bool mqtt = kind == Kind::Mqtt;
    std::string text = mqtt ? "mqtt://" : kind == Kind::Redis ? "redis://" : "kafka://";
    if (!user.empty())
        text += user + (password.empty() ? "" : ":***") + "@";
    if (kind == Kind::Kafka)
        text += brokers;
    else
        text += (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                std::to_string(port);
    text += "/" + topic;
    return text;
}

} // namespace pistream
