#include "http/http_host.h"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <unistd.h>

namespace pistream {

namespace {

std::string canonical(std::string_view name)
{
    std::string lower;
    for (const char c : name)
        lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (!lower.empty() && lower.back() == '.')
        lower.pop_back();
    return lower;
}

bool isPort(std::string_view text)
{
    return !text.empty() && text.size() <= 5 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isIpv4(const std::string& text)
{
    in_addr address{};
    return inet_pton(AF_INET, text.c_str(), &address) == 1;
}

bool isIpv6(const std::string& text)
{
    in6_addr address{};
    return inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

// A DNS name: labels of letters, digits and hyphens.
bool isName(std::string_view name)
{
    if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.')
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    });
}

} // namespace

HttpHostCheck::HttpHostCheck(std::vector<std::string> names)
{
    for (const auto& name : names)
        if (!name.empty())
            names_.push_back(canonical(name));
}

bool HttpHostCheck::allowed(std::string_view host) const
{
    if (host.empty())
        return true;
    if (host.front() == '[') { // [IPv6]:port
        const auto close = host.find(']');
        if (close == std::string_view::npos)
            return false;
        const std::string_view rest = host.substr(close + 1);
        if (!rest.empty() && !(rest.front() == ':' && isPort(rest.substr(1))))
            return false;
        return isIpv6(std::string(host.substr(1, close - 1)));
    }
    const auto colon = host.find(':');
    if (colon != std::string_view::npos && !isPort(host.substr(colon + 1)))
        return false;
    const std::string name = canonical(host.substr(0, colon));
    if (isIpv4(name))
        return true;
    if (!isName(name))
        return false;
    if (name == "localhost" || (name.size() > 6 && name.ends_with(".local")))
        return true;
    return std::find(names_.begin(), names_.end(), name) != names_.end();
}

std::vector<std::string> ownHostNames()
{
    std::array<char, 256> buffer{};
    if (gethostname(buffer.data(), buffer.size() - 1) != 0 || buffer[0] == '\0')
        return {};
    std::vector<std::string> names{buffer.data()};
    const auto dot = names[0].find('.');
    if (dot != std::string::npos && dot > 0)
        names.push_back(names[0].substr(0, dot));
    return names;
}

} // namespace pistream
