#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <unordered_map>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "core/limited_log.h"
#include "http/http_config.h"
#include "http/http_connection.h"
#include "http/http_router.h"
#include "hub/frame_hub.h"
#include "server/peer_guard.h"

namespace pistream {

// The browser side of pistream-server: MJPEG over HTTP from the frames the
// pipeline already encoded (the JPEG, never the gzip member), a snapshot, a
// status JSON, a health check and a live page compiled in (see HttpRouter for
// the pages). Runs on the same io_context as the stream server and follows the
// same threading rules: sockets belong to the io thread. It accepts, admits
// through its PeerGuard as the stream port does, and keeps the connections;
// each HttpConnection reads, asks the router and answers.
// The TLS settings of the HTTPS port, before its certificate is loaded.
std::unique_ptr<asio::ssl::context> httpsContext();

class HttpServer {
public:
    // Called on the io thread for /api/status.
    using Status = std::function<nlohmann::json()>;

    HttpServer(asio::io_context& io, FrameHub& hub, const HttpServerConfig& config, Status status);
    ~HttpServer();

    // Throws std::system_error naming the address when it cannot listen.
    void start();
    asio::ip::tcp::endpoint localEndpoint() const { return localEndpoint_; }
    bool https() const { return tls_ != nullptr; }

    // Any thread.
    void stop();

    // io thread only.
    HttpStats stats() const;
    // The status callback's JSON plus what only this server knows: the source
    // state, the newest frame's age and the browsers.
    nlohmann::json statusJson() const;

private:
    void accept();
    void onAccept(asio::ip::tcp::socket socket);
    PeerGuard::Clock::time_point now() const;
    void warnLimited(const LogKind& kind, const asio::ip::address& address,
                     const std::string& line);
    void scheduleLogFlush();

    asio::io_context& io_;
    FrameHub& hub_;
    HttpServerConfig config_;
    Status status_;
    HttpRouter router_;
    std::unique_ptr<asio::ssl::context> tls_; // with a certificate
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::tcp::endpoint localEndpoint_;
    PeerGuard guard_;
    LimitedLog log_;              // turned-away connections and wrong keys: no floods
    asio::steady_timer logFlush_; // writes its summaries when they are due
    bool logFlushArmed_ = false;
    asio::steady_timer acceptRetry_; // after a failed accept (out of file descriptors)
    HttpStats totals_;
    HttpConnection::Context context_;
    std::unordered_map<HttpConnection*, std::shared_ptr<HttpConnection>> connections_;
    bool stopped_ = false;
};

} // namespace pistream
