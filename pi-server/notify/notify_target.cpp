#include "notify/notify_target.h"

#include <algorithm>
#include <stdexcept>

namespace pistream {

namespace {

constexpr std::size_t kMaxUrlLength = 2048;

} // namespace

PublishTarget parseMqttNotifyUrl(const std::string& url)
{
    // The same URL as --publish mqtt://, with the topic as an optional prefix.
    if (url.rfind("mqtt://", 0) != 0)
        throw std::invalid_argument("--mqtt: the URL must start with mqtt://");
    std::string withTopic = url;
    const std::size_t pathOrQuery = url.find_first_of("/?", 7);
    if (pathOrQuery == std::string::npos)
        withTopic += "/pistream";
    else if (url[pathOrQuery] == '?')
        withTopic.insert(pathOrQuery, "/pistream");
    PublishTarget target;
    try {
        target = parsePublishUrl(withTopic);
    } catch (const std::invalid_argument& error) {
        const std::string what = error.what();
        const std::string flag = "--publish";
        throw std::invalid_argument(
            "--mqtt" + (what.rfind(flag, 0) == 0 ? what.substr(flag.size()) : ": " + what));
    }
    if (target.fps > 0 || target.format != PublishTarget::Format::Jpeg)
        throw std::invalid_argument("--mqtt mqtt://...: only qos= may follow '?' (fps and format "
                                    "are for --publish)");
    if (target.topic.find_first_of("+#") != std::string::npos)
        throw std::invalid_argument("--mqtt mqtt://...: the topic prefix may not contain + or #");
    return target;
}

void checkWebhookUrl(const std::string& url)
{
    if (url.size() > kMaxUrlLength)
        throw std::invalid_argument("--webhook: longer than " + std::to_string(kMaxUrlLength) +
                                    " characters");
    if (!std::all_of(url.begin(), url.end(), [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return byte > 0x20 && byte != 0x7f;
        }))
        throw std::invalid_argument("--webhook: spaces and control characters are not allowed");
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        throw std::invalid_argument("--webhook: the URL must start with http:// or https://");
    const std::string rest = url.substr(url.find("://") + 3);
    if (rest.empty() || rest.front() == '/' || rest.front() == ':' || rest.front() == '?')
        throw std::invalid_argument("--webhook: no host in the URL");
}

} // namespace pistream
