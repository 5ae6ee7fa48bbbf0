#include "net/endpoint.h"

#include <charconv>
#include <stdexcept>

namespace pistream {

namespace {

std::uint16_t parsePort(const std::string& text, const std::string& whole)
{
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value > 65535)
        throw std::invalid_argument("bad port in '" + whole + "' (expected 0..65535)");
    return static_cast<std::uint16_t>(value);
}

} // namespace

std::string Endpoint::toString() const
{
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Endpoint parseEndpoint(const std::string& text, std::uint16_t defaultPort)
{
    if (text.empty())
        throw std::invalid_argument("empty address");
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close == 1)
            throw std::invalid_argument("bad IPv6 address in '" + text + "'");
        Endpoint endpoint{text.substr(1, close - 1), defaultPort};
        if (close + 1 == text.size())
            return endpoint;
        if (text[close + 1] != ':')
            throw std::invalid_argument("expected ':' after ']' in '" + text + "'");
        endpoint.port = parsePort(text.substr(close + 2), text);
        return endpoint;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string::npos)
        return {text, defaultPort};
    if (text.find(':') != colon) // several colons: a bare IPv6 address
        return {text, defaultPort};
    return {text.substr(0, colon), parsePort(text.substr(colon + 1), text)};
}

} // namespace pistream
