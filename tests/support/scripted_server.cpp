#include "support/scripted_server.h"

#include <poll.h>

namespace pistream::test {

ScriptedServer::ScriptedServer(std::vector<std::vector<std::uint8_t>> scripts,
                               std::chrono::milliseconds hold)
    : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
      port_(acceptor_.local_endpoint().port())
{
    thread_ = std::thread([this, scripts = std::move(scripts), hold] {
        std::size_t next = 0;
        while (!stopping_) {
            pollfd fd{acceptor_.native_handle(), POLLIN, 0};
            if (::poll(&fd, 1, 50) <= 0)
                continue;
            asio::ip::tcp::socket socket(io_);
            std::error_code error;
            acceptor_.accept(socket, error);
            if (error)
                continue;
            ++connections_;
            const auto& script = scripts[std::min(next++, scripts.size() - 1)];
            asio::write(socket, asio::buffer(script), error);
            // Hold the connection until the client closes it (or the time is up).
            std::array<std::uint8_t, 4096> sink{};
            const auto until = std::chrono::steady_clock::now() + hold;
            while (!stopping_ && std::chrono::steady_clock::now() < until) {
                pollfd readable{socket.native_handle(), POLLIN, 0};
                if (::poll(&readable, 1, 20) > 0) {
                    socket.read_some(asio::buffer(sink), error);
                    if (error)
                        break;
                }
            }
        }
    });
}

ScriptedServer::~ScriptedServer()
{
    stopping_ = true;
    thread_.join();
}

} // namespace pistream::test
