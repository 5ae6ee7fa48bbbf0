#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include <asio.hpp>

#include "core/limited_log.h"
#include "hub/frame_hub.h"
#include "motion/motion_monitor.h"
#include "net/endpoint.h"
#include "net/tls_psk.h"
#include "server/peer_guard.h"
#include "server/viewer_session.h"

namespace pistream {

struct StreamServerConfig {
    Endpoint listen{"0.0.0.0", kDefaultPort};
    int maxViewers = 16;
    SessionLimits session;
    // TLS 1.3 with this pairing key as PSK; empty: plain TCP (--insecure).
    std::string pairingKey;
    std::chrono::milliseconds handshakeTimeout{5000};
    PeerGuardLimits guard;
};

struct StreamServerStats {
    int viewers = 0;
    std::uint64_t viewersServed = 0; // accepted since start
    std::uint64_t viewersRefused = 0;
    std::uint64_t handshakeFailures = 0; // wrong or no key, not TLS, too slow
    std::uint64_t turnedAway = 0;        // closed before a handshake (caps, slowed down)
    int handshaking = 0;
    SessionTotals totals;
};

// The TCP side of pistream-server. With a pairing key every connection first
// passes the PeerGuard and a TLS-PSK handshake within the deadline, and only
// then becomes a viewer (and counts against maxViewers): a subscriber of the
// FrameHub, which brings it frames and the source's status. Every socket
// belongs to the one thread that runs the io_context. With motion detection
// on it is a listener of the MotionMonitor too, and tells viewers (EVENT).
class StreamServer final : public MotionListener {
public:
    StreamServer(asio::io_context& io, FrameHub& hub, const StreamServerConfig& config,
                 const Hello& hello);

    // Binds and listens. Throws std::system_error naming the address, e.g. when
    // the port is in use.
    void start();
    asio::ip::tcp::endpoint localEndpoint() const { return localEndpoint_; }

    // Any thread. Stops accepting, says bye to every viewer and closes them; once this has
    // run the server holds no work on the io_context.
    void stop();

    // io thread only.
    StreamServerStats stats() const;

    // MotionListener (io thread): an EVENT to every viewer; one that connects
    // while an event lasts is told about it at once.
    void onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change) override;

private:
    void accept();
    void onAccept(const std::error_code& error, asio::ip::tcp::socket socket);
    void onAuthenticated(ViewerSession* session, const std::error_code& error);
    void admit(std::shared_ptr<ViewerSession> session);
    void housekeeping();
    void removeSession(ViewerSession* session);
    ViewerSession::Message bye(ByeReason reason, const std::string& text) const;

    asio::io_context& io_;
    FrameHub& hub_;
    StreamServerConfig config_;
    asio::ip::tcp::acceptor acceptor_;
    asio::steady_timer housekeeping_;
    asio::steady_timer acceptRetry_;
    asio::steady_timer forceClose_;
    asio::ip::tcp::endpoint localEndpoint_;
    std::unique_ptr<PskTls> tls_;
    PeerGuard guard_;
    LimitedLog log_; // refusals before and in the handshake: no floods

    ViewerSession::Message hello_;
    unsigned width_, height_;            // the stream's, as the hello says
    ViewerSession::Message activeEvent_; // the last EVENT while an event lasts, else null

    std::unordered_map<ViewerSession*, std::shared_ptr<ViewerSession>> sessions_;
    std::unordered_map<ViewerSession*, std::shared_ptr<ViewerSession>> refusing_;
    std::unordered_map<ViewerSession*, std::shared_ptr<ViewerSession>> handshaking_;
    SessionTotals totals_;
    std::uint64_t viewersServed_ = 0;
    std::uint64_t viewersRefused_ = 0;
    std::uint64_t handshakeFailures_ = 0;
    std::uint64_t turnedAway_ = 0;
    bool stopped_ = false;
};

} // namespace pistream
