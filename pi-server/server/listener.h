#pragma once

#include <asio.hpp>

#include "net/endpoint.h"

namespace pistream {

// Opens, binds and listens `acceptor` on `where` (an empty host is every IPv4
// address) and returns the bound endpoint, port included when 0 was asked.
// Throws std::system_error "cannot listen on HOST:PORT: why".
asio::ip::tcp::endpoint listenOn(asio::ip::tcp::acceptor& acceptor, const Endpoint& where);

} // namespace pistream
