#pragma once

// A fake pistream server for client tests: it accepts connections one after
// another and sends each the next script of bytes (the last script is reused),
// then keeps the connection open until the client closes it.

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <asio.hpp>

namespace pistream::test {

class ScriptedServer {
public:
    explicit ScriptedServer(std::vector<std::vector<std::uint8_t>> scripts,
                            std::chrono::milliseconds hold = std::chrono::seconds(4));
    ~ScriptedServer();

    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }

private:
    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_;
    std::atomic<int> connections_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace pistream::test
