#pragma once

#include <cstdint>
#include <string>

namespace pistream {

struct Endpoint {
    std::string host;
    std::uint16_t port = 0;

    std::string toString() const;
};

// Parses "HOST:PORT", "HOST" (default port), "[V6ADDR]:PORT", ":PORT" (host
// empty) and a bare IPv6 address. Throws std::invalid_argument with a clear
// message for anything else, including ports outside 0..65535.
Endpoint parseEndpoint(const std::string& text, std::uint16_t defaultPort);

} // namespace pistream
