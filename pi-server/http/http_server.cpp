#include "http/http_server.h"

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "server/listener.h"
#include "server/session_map.h"

namespace pistream {

namespace {

constexpr LogKind kHttpTurnedAway{
    "http turned away",
    "http: {count} more connections from {subject} turned away in the last {seconds} s"};
constexpr LogKind kHttpBusy{"http busy", "http: {count} more connections from {subject} refused "
                                         "in the last {seconds} s: too many clients"};

constexpr LogKind kHttpAcceptFailed{
    "http accept failed", "http: accept failed {count} more times in the last {seconds} s"};
constexpr auto kHttpAcceptRetry = std::chrono::milliseconds(100);

std::vector<std::string> answeredNames(std::vector<std::string> names)
{
    for (auto& own : ownHostNames())
        names.push_back(std::move(own));
    return names;
}

constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";

} // namespace

HttpServer::HttpServer(asio::io_context& io, FrameHub& hub, const HttpServerConfig& config,
                       Status status)
    : io_(io), hub_(hub), config_(config), status_(std::move(status)),
      router_(config.pairingKey, HttpHostCheck(answeredNames(config.hostNames))), acceptor_(io),
      guard_(config.guard), log_(config.log), logFlush_(io), acceptRetry_(io),
      context_{io_,
               hub_,
               config_,
               router_,
               nullptr,
               totals_,
               [this] { return statusJson(); },
               [this](const asio::ip::address& address) { return guard_.keyWait(address, now()); },
               [this](const asio::ip::address& address, KeyCheck key) {
                   if (key == KeyCheck::Passed)
                       guard_.finished(address, true, now());
                   else if (key == KeyCheck::WrongKey)
                       guard_.finished(address, false, now());
                   else
                       guard_.released(address);
               },
               [this](const LogKind& kind, const asio::ip::address& address,
                      const std::string& line) { warnLimited(kind, address, line); },
               [this](HttpConnection* connection) {
                   // Deferred: the connection may be deep in its own call
                   // stack.
                   asio::post(io_, [this, connection] { connections_.erase(connection); });
               }}
{}

HttpServer::~HttpServer() = default;

void HttpServer::start()
{
    if (!config_.certificateFile.empty()) {
        tls_ = httpsContext();
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

std::unique_ptr<asio::ssl::context> httpsContext()
{
    // TLS 1.2 and later only; on TLS 1.2 only ECDHE key exchange with an AEAD
    // cipher (forward secrecy, no CBC with SHA-1). TLS 1.3's suites are all
    // of that kind already.
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    if (SSL_CTX_set_cipher_list(tls->native_handle(), kTls12Ciphers) != 1)
        throw std::runtime_error("OpenSSL knows none of the TLS 1.2 ciphers for HTTPS");
    return tls;
}

void HttpServer::accept()
{
    acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
        if (stopped_ || error == asio::error::operation_aborted)
            return;
        if (!error) {
            onAccept(std::move(socket));
            accept();
            return;
        }
        // E.g. out of file descriptors: the connection stays queued and the
        // next accept would fail at once, so wait a moment (as the stream
        // port does) instead of spinning and logging in a loop.
        ++totals_.acceptFailures;
        log_.warn(kHttpAcceptFailed, "", now(), "http: accept failed: " + error.message());
        scheduleLogFlush();
        acceptRetry_.expires_after(kHttpAcceptRetry);
        acceptRetry_.async_wait([this](const std::error_code& waitError) {
            if (!waitError && !stopped_)
                accept();
        });
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
        warnLimited(kHttpTurnedAway, address,
                    "http: connection from " + address.to_string() +
                        " turned away: " + admission.reason);
        socket.close(ignored);
        return;
    }
    auto connection = std::make_shared<HttpConnection>(context_, std::move(socket), address);
    connections_.emplace(connection.get(), connection);
    if (static_cast<int>(connections_.size()) > config_.maxClients) {
        warnLimited(kHttpBusy, address,
                    "http: more than " + std::to_string(config_.maxClients) +
                        " clients, refusing one from " + address.to_string());
        connection->refuse(textResponse(503,
                                        "busy: " + std::to_string(config_.maxClients) +
                                            " clients already; try again later\n",
                                        "Retry-After: 5\r\n"));
    } else {
        connection->start();
    }
}

void HttpServer::warnLimited(const LogKind& kind, const asio::ip::address& address,
                             const std::string& line)
{
    log_.warn(kind, address.to_string(), now(), line);
    scheduleLogFlush();
}

// The summaries are written when due even if the flood has stopped; the timer
// runs only while something is counted.
void HttpServer::scheduleLogFlush()
{
    const auto due = log_.nextDue();
    if (logFlushArmed_ || stopped_ || !due)
        return;
    logFlushArmed_ = true;
    logFlush_.expires_after(*due - now());
    logFlush_.async_wait([this](const std::error_code& error) {
        if (error)
            return;
        logFlushArmed_ = false;
        log_.flush(now());
        scheduleLogFlush();
    });
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
        logFlush_.cancel();
        acceptRetry_.cancel();
        log_.flushAll(now());
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
                      {"partsSent", http.partsSent},       {"partsSkipped", http.partsSkipped},
                      {"replaying", http.replaying}};
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
