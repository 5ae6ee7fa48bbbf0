#pragma once

// A blocking test peer that speaks the wire protocol over a real socket.

#include <chrono>
#include <optional>
#include <vector>

#include <asio.hpp>

#include "protocol/message_reader.h"

namespace pistream::test {

struct WireMessage {
    std::uint8_t type = 0;
    std::vector<std::uint8_t> body;
};

// A raw TCP connection from `source` (any 127.x.y.z is loopback on Linux, so
// tests can be several peers with different addresses).
asio::ip::tcp::socket rawConnect(asio::io_context& io, const asio::ip::tcp::endpoint& server,
                                 const char* source = "127.0.0.1");

class WirePeer {
public:
    explicit WirePeer(asio::ip::tcp::socket socket);
    static WirePeer connect(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint);

    // The next message, or nothing on timeout, EOF or a protocol error (see closed()).
    std::optional<WireMessage> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Reads until a message of this type arrives (others are dropped).
    std::optional<WireMessage>
    readType(MessageType type, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // True once the other side closed the connection.
    bool closed() const { return closed_; }
    // Waits for EOF, discarding what arrives; true if the peer closed in time.
    bool waitClosed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    void write(const std::vector<std::uint8_t>& bytes);
    asio::ip::tcp::socket& socket() { return socket_; }

private:
    asio::ip::tcp::socket socket_;
    MessageReader reader_{kDefaultMaxMessage};
    std::vector<std::uint8_t> pending_;
    bool closed_ = false;
};

} // namespace pistream::test
