#include "support/wire_peer.h"

#include <poll.h>

namespace pistream::test {

asio::ip::tcp::socket rawConnect(asio::io_context& io, const asio::ip::tcp::endpoint& server,
                                 const char* source)
{
    asio::ip::tcp::socket socket(io);
    socket.open(asio::ip::tcp::v4());
    socket.bind({asio::ip::make_address(source), 0});
    socket.connect(server);
    return socket;
}

WirePeer::WirePeer(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

WirePeer WirePeer::connect(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint)
{
    asio::ip::tcp::socket socket(io);
    socket.connect(endpoint);
    return WirePeer(std::move(socket));
}

std::optional<WireMessage> WirePeer::read(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<std::uint8_t, 65536> buffer{};
    for (;;) {
        // Whatever is left over from the last read goes first.
        while (!pending_.empty()) {
            std::size_t used = 0;
            const auto result = reader_.feed(pending_, used);
            pending_.erase(pending_.begin(), pending_.begin() + static_cast<long>(used));
            if (result == MessageReader::Result::Error)
                return std::nullopt;
            if (result == MessageReader::Result::Message)
                return WireMessage{reader_.message().type,
                                   std::vector<std::uint8_t>(reader_.message().body.begin(),
                                                             reader_.message().body.end())};
        }
        if (closed_)
            return std::nullopt;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        pollfd fd{socket_.native_handle(), POLLIN, 0};
        if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0)
            return std::nullopt;
        std::error_code error;
        const std::size_t got = socket_.read_some(asio::buffer(buffer), error);
        if (error) {
            closed_ = true;
            return std::nullopt;
        }
        pending_.insert(pending_.end(), buffer.begin(), buffer.begin() + static_cast<long>(got));
    }
}

std::optional<WireMessage> WirePeer::readType(MessageType type, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto message = read(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
        if (!message)
            return std::nullopt;
        if (message->type == static_cast<std::uint8_t>(type))
            return message;
    }
    return std::nullopt;
}

bool WirePeer::waitClosed(std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_ && std::chrono::steady_clock::now() < deadline)
        read(std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now()));
    return closed_;
}

void WirePeer::write(const std::vector<std::uint8_t>& bytes)
{
    asio::write(socket_, asio::buffer(bytes));
}

} // namespace pistream::test
