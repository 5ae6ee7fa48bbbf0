#pragma once

// A real message broker for end-to-end tests: Debian's mosquitto or
// redis-server, on a free loopback port with a minimal config of the test's
// own (no system service, nothing written outside the test's directory),
// stopped with the object. It can be stopped and started again on the same
// port, as a broker that restarts.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "support/process.h"

namespace pistream::test {

class BrokerProcess {
public:
    enum class Kind { Mosquitto, Redis };

    // Picks a free port; start() is separate so a test can begin without it.
    BrokerProcess(Kind kind, const std::filesystem::path& dir);
    ~BrokerProcess();

    // Starts the broker and waits until it accepts connections; whether it did.
    bool start();
    // Stops it (SIGTERM) and waits for it to exit.
    void stop();
    bool running() const { return process_ != nullptr; }
    std::uint16_t port() const { return port_; }
    // mqtt://127.0.0.1:PORT/ or redis://127.0.0.1:PORT/
    std::string url(const std::string& topic) const;
    // The program, or "" when it is not installed.
    static std::string program(Kind kind);

private:
    Kind kind_;
    std::filesystem::path dir_;
    std::uint16_t port_;
    int starts_ = 0;
    std::unique_ptr<Process> process_;
};

// A loopback TCP port nobody listens on right now.
std::uint16_t freePort();

// Whether something accepts connections on 127.0.0.1:port.
bool accepting(std::uint16_t port);

} // namespace pistream::test
