#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "hub/frame_hub.h"
#include "hub/frame_pacer.h"
#include "net/endpoint.h"

namespace pistream {

inline constexpr std::uint16_t kDefaultHttpPort = 8080;

struct HttpServerConfig {
    Endpoint listen{"0.0.0.0", kDefaultHttpPort};
    // Every page but /health asks for it (HTTP Basic: any user name, the key
    // as password); empty: open to anyone.
    std::string pairingKey;
    // HTTPS when both are set (PEM files): the whole port speaks TLS.
    std::string certificateFile;
    std::string privateKeyFile;
    int maxClients = 64;                             // then 503 to the next
    std::size_t maxRequestBytes = 8192;              // request line and headers
    std::chrono::milliseconds requestTimeout{5000};  // to send a whole request
    std::chrono::milliseconds stallTimeout{10000};   // a stream part making no progress
    std::chrono::milliseconds snapshotTimeout{3000}; // waiting for a frame for /snapshot.jpg
    PacingLimits pacing;                             // per streaming browser, as per viewer
};

struct HttpStats {
    int clients = 0;   // connections open
    int streaming = 0; // of which on /stream.mjpg
    std::uint64_t requests = 0;
    std::uint64_t refused = 0; // without the pairing key
    std::uint64_t partsSent = 0;
    std::uint64_t partsSkipped = 0; // newer frames replaced them for a slow browser
    std::uint64_t bytesSent = 0;
};

class HttpSession;

// The browser side of pistream-server: MJPEG over HTTP from the frames the
// pipeline already encoded (the JPEG, never the gzip member), a snapshot, a
// status JSON, a health check and a live page compiled in. Runs on the same
// io_context as the stream server and follows the same threading rules:
// sockets belong to the io thread. Browsers that stream or wait for a snapshot
// are subscribers of the FrameHub.
//
//   GET /             the live page
//   GET /stream.mjpg  multipart/x-mixed-replace JPEG parts, newest frame only
//   GET /snapshot.jpg the newest frame (waits for one if none is fresh)
//   GET /api/status   JSON from the status callback
//   GET /health       200 while the source is live, 503 with the reason if not
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
    friend class HttpSession;
    void accept();
    void remove(HttpSession* session);

    asio::io_context& io_;
    FrameHub& hub_;
    HttpServerConfig config_;
    Status status_;
    std::unique_ptr<asio::ssl::context> tls_; // with a certificate
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::tcp::endpoint localEndpoint_;
    std::unordered_map<HttpSession*, std::shared_ptr<HttpSession>> sessions_;
    bool stopped_ = false;
    HttpStats totals_;
};

} // namespace pistream
