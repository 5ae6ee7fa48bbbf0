#include "support/broker_process.h"

#include <csignal>
#include <fstream>

#include <asio.hpp>

#include "support/wait_for.h"

namespace pistream::test {

std::uint16_t freePort()
{
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

bool accepting(std::uint16_t port)
{
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    std::error_code error;
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, error);
    return !error;
}

BrokerProcess::BrokerProcess(Kind kind, const std::filesystem::path& dir)
    : kind_(kind), dir_(dir), port_(freePort())
{}

BrokerProcess::~BrokerProcess()
{
    stop();
}

std::string BrokerProcess::program(Kind kind)
{
    for (const char* where : {"/usr/sbin/", "/usr/bin/"}) {
        const std::string path =
            std::string(where) + (kind == Kind::Mosquitto ? "mosquitto" : "redis-server");
        if (std::filesystem::exists(path))
            return path;
    }
    return {};
}

bool BrokerProcess::start()
{
    if (process_)
        return true;
    const std::string binary = program(kind_);
    if (binary.empty())
        return false;
    const std::string name =
        (kind_ == Kind::Mosquitto ? "mosquitto" : "redis") + std::to_string(starts_++);
    std::vector<std::string> argv;
    if (kind_ == Kind::Mosquitto) {
        const auto config = dir_ / "mosquitto.conf";
        std::ofstream(config) << "listener " << port_ << " 127.0.0.1\n"
                              << "allow_anonymous true\n"
                              << "persistence false\n"
                              << "log_dest stderr\n";
        argv = {binary, "-c", config.string()};
    } else {
        const auto config = dir_ / "redis.conf";
        std::ofstream(config) << "port " << port_ << "\n"
                              << "bind 127.0.0.1\n"
                              << "save \"\"\n"
                              << "appendonly no\n"
                              << "daemonize no\n"
                              << "dir " << dir_.string() << "\n";
        argv = {binary, config.string()};
    }
    process_ = std::make_unique<Process>(argv, dir_, name);
    if (waitFor([&] { return accepting(port_) || !process_->running(); },
                std::chrono::seconds(20)) &&
        process_->running())
        return true;
    process_.reset();
    return false;
}

void BrokerProcess::stop()
{
    if (!process_)
        return;
    process_->signal(SIGTERM);
    if (!process_->wait(std::chrono::seconds(10)))
        process_->signal(SIGKILL);
    process_.reset(); // waits for it
}

std::string BrokerProcess::url(const std::string& topic) const
{
    return std::string(kind_ == Kind::Mosquitto ? "mqtt" : "redis") +
           "://127.0.0.1:" + std::to_string(port_) + "/" + topic;
}

} // namespace pistream::test
