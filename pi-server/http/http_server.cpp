#include "http/http_server.h"

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "server/listener.h"
#include "server/session_map.h"

namespace pistream {

HttpServer::HttpServer(asio::io_context& io, FrameHub& hub, const HttpServerConfig& config,
                       Status status)
    : io_(io), hub_(hub), config_(config), status_(std::move(status)), router_(config.pairingKey),
      acceptor_(io),
      guard_(config.guard), context_{io_,
                                     hub_,
                                     config_,
                                     router_,
                                     nullptr,
                                     totals_,
                                     [this] { return statusJson(); },
                                     [this](const asio::ip::address& address) {
                                         return guard_.keyWait(address, now());
                                     },
                                     [this](const asio::ip::address& address, KeyCheck key) {
                                         if (key == KeyCheck::Passed)
                                             guard_.finished(address, true, now());
                                         else if (key == KeyCheck::WrongKey)
                                             guard_.finished(address, false, now());
                                         else
                                             guard_.released(address);
                                     },
                                     [this](HttpConnection* connection) {
                                         // Deferred: the connection may be deep in its own call
                                         // stack.
                                         asio::post(io_, [this, connection] {
                                             connections_.erase(connection);
                                         });
                                     }}
{}

HttpServer::~HttpServer() = default;

void HttpServer::start()
{
    if (!config_.certificateFile.empty()) {
        // HTTPS with the configured certificate: TLS 1.2 and later only.
        tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
        tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
        std::error_code error;
        tls_->use_certificate_chain_file(config_.certificateFile, error);
        if (error)
            throw std::runtime_error("--https-cert " + config_.certificateFile + ": " +
                                     error.message());
        tls_->use_private_key_file(config_.privateKeyFile, asio::ssl::context::pem, error);
        if (error)
            throw std::runtime_error("--https-key " + config_.privateKeyFile + ": " +
                                     error.message());
    }
    context_.tls = tls_.get();
    localEndpoint_ = listenOn(acceptor_, config_.listen);
    accept();
}

void HttpServer::accept()
{
    acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
        if (stopped_ || error == asio::error::operation_aborted)
            return;
        if (error)
            spdlog::warn("http: accept failed: {}", error.message());
        else
            onAccept(std::move(socket));
        accept();
    });
}

void HttpServer::onAccept(asio::ip::tcp::socket socket)
{
    // The same admission as the stream port's: caps on connections still
    // sending their request, per address and in all. An address slowed down
    // after wrong keys is let in; the router refuses only its key attempts.
    std::error_code ignored;
    const auto address = socket.remote_endpoint(ignored).address();
    const auto admission = guard_.admit(address, now());
    if (!admission.allowed) {
        ++totals_.turnedAway;
        if (admission.log)
            spdlog::warn("http: connection from {} turned away: {}", address.to_string(),
                         admission.reason);
        socket.close(ignored);
        return;
    }
    auto connection = std::make_shared<HttpConnection>(context_, std::move(socket), address);
    connections_.emplace(connection.get(), connection);
    if (static_cast<int>(connections_.size()) > config_.maxClients) {
        spdlog::warn("http: more than {} clients, refusing one", config_.maxClients);
        connection->refuse(textResponse(503,
                                        "busy: " + std::to_string(config_.maxClients) +
                                            " clients already; try again later\n",
                                        "Retry-After: 5\r\n"));
    } else {
        connection->start();
    }
}

PeerGuard::Clock::time_point HttpServer::now() const
{
    return config_.clock ? config_.clock() : PeerGuard::Clock::now();
}

void HttpServer::stop()
{
    asio::post(io_, [this] {
        if (stopped_)
            return;
        stopped_ = true;
        std::error_code ignored;
        acceptor_.close(ignored);
        for (const auto& connection : snapshot(connections_))
            connection->close();
    });
}

nlohmann::json HttpServer::statusJson() const
{
    nlohmann::json status = status_ ? status_() : nlohmann::json::object();
    const SourceStatus& source = hub_.sourceStatus();
    status["source"]["state"] = source.live() ? "live" : "down";
    status["source"]["text"] = source.text;
    // How old the newest frame is: the server's share of the latency.
    const EncodedFramePtr& latest = hub_.latest();
    status["frameAgeMs"] =
        latest ? nlohmann::json(
                     static_cast<double>(monotonicMicros() - latest->header.captureMicros) / 1000)
               : nlohmann::json(nullptr);
    const HttpStats http = stats();
    status["viewers"]["http"] = http.streaming;
    status["bytesSent"]["http"] = http.bytesSent;
    status["http"] = {{"clients", http.clients},           {"requests", http.requests},
                      {"refusedWithoutKey", http.refused}, {"turnedAway", http.turnedAway},
                      {"partsSent", http.partsSent},       {"partsSkipped", http.partsSkipped}};
    return status;
}

HttpStats HttpServer::stats() const
{
    HttpStats stats = totals_;
    stats.clients = static_cast<int>(connections_.size());
    for (const auto& [key, connection] : connections_)
        stats.streaming += connection->streaming() ? 1 : 0;
    return stats;
}

} // namespace pistream
