#include "server/stream_server.h"

#include <vector>

#include <spdlog/spdlog.h>

#include "server/listener.h"
#include "server/session_map.h"

namespace pistream {

namespace {

constexpr auto kHousekeepingPeriod = std::chrono::seconds(1);
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
constexpr auto kShutdownGrace = std::chrono::milliseconds(300);
constexpr std::size_t kMaxRefusing = 16; // beyond this, over-cap connections are just closed

constexpr LogKind kTurnedAway{
    "turned away", "{count} more connections from {subject} turned away in the last {seconds} s"};
constexpr LogKind kHandshakeRefused{
    "handshake refused",
    "{count} more connections from {subject} refused in the handshake in the last {seconds} s"};

ViewerSession::Message share(std::vector<std::uint8_t> bytes)
{
    return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

} // namespace

StreamServer::StreamServer(asio::io_context& io, FrameHub& hub, const StreamServerConfig& config,
                           const Hello& hello)
    : io_(io), hub_(hub), config_(config), acceptor_(io), housekeeping_(io), acceptRetry_(io),
      forceClose_(io), guard_(config.guard), hello_(share(encode(hello))), width_(hello.width),
      height_(hello.height)
{
    if (!config_.pairingKey.empty())
        tls_ = std::make_unique<PskTls>(TlsRole::Server, config_.pairingKey);
}

void StreamServer::start()
{
    localEndpoint_ = listenOn(acceptor_, config_.listen);
    accept();
    housekeeping();
}

void StreamServer::stop()
{
    asio::post(io_, [this] {
        if (stopped_)
            return;
        stopped_ = true;
        std::error_code ignored;
        acceptor_.close(ignored);
        housekeeping_.cancel();
        acceptRetry_.cancel();
        log_.flushAll(std::chrono::steady_clock::now());
        const auto goodbye = bye(ByeReason::ShuttingDown, "server shutting down");
        for (auto& session : snapshot(sessions_))
            session->finish(goodbye, "server shutting down");
        for (auto& session : snapshot(handshaking_))
            session->close("server shutting down");
        if (sessions_.empty() && refusing_.empty())
            return;
        // Viewers that do not take the bye in time are closed anyway.
        forceClose_.expires_after(kShutdownGrace);
        forceClose_.async_wait([this](const std::error_code&) {
            for (auto& session : snapshot(sessions_))
                session->close("server shutting down");
            for (auto& session : snapshot(refusing_))
                session->close("server shutting down");
        });
    });
}

StreamServerStats StreamServer::stats() const
{
    return {static_cast<int>(sessions_.size()),
            viewersServed_,
            viewersRefused_,
            handshakeFailures_,
            turnedAway_,
            static_cast<int>(handshaking_.size()),
            totals_};
}

void StreamServer::accept()
{
    acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
        onAccept(error, std::move(socket));
    });
}

void StreamServer::onAccept(const std::error_code& error, asio::ip::tcp::socket socket)
{
    if (stopped_ || error == asio::error::operation_aborted)
        return;
    if (error) {
        // E.g. out of file descriptors: log, wait a moment, keep serving the others.
        spdlog::warn("accept failed: {}", error.message());
        acceptRetry_.expires_after(kAcceptRetry);
        acceptRetry_.async_wait([this](const std::error_code& waitError) {
            if (!waitError)
                accept();
        });
        return;
    }

    auto closed = [this](ViewerSession* session) {
        removeSession(session);
    };
    if (!tls_) {
        admit(std::make_shared<ViewerSession>(std::move(socket), nullptr, config_.session, totals_,
                                              std::move(closed)));
        accept();
        return;
    }
    // Nobody gets a byte of the stream, nor a viewer slot, before the key.
    std::error_code ignored;
    const auto address = socket.remote_endpoint(ignored).address();
    const auto admission = guard_.admit(address, std::chrono::steady_clock::now());
    if (!admission.allowed) {
        ++turnedAway_;
        log_.warn(kTurnedAway, address.to_string(), std::chrono::steady_clock::now(),
                  "connection from " + address.to_string() + " turned away: " + admission.reason);
        socket.close(ignored);
        accept();
        return;
    }
    auto session = std::make_shared<ViewerSession>(std::move(socket), &tls_->context(),
                                                   config_.session, totals_, std::move(closed));
    handshaking_.emplace(session.get(), session);
    session->authenticate(config_.handshakeTimeout,
                          [this, raw = session.get()](const std::error_code& handshakeError) {
                              onAuthenticated(raw, handshakeError);
                          });
    accept();
}

void StreamServer::onAuthenticated(ViewerSession* raw, const std::error_code& error)
{
    const auto found = handshaking_.find(raw);
    if (found == handshaking_.end())
        return;
    const std::shared_ptr<ViewerSession> session = found->second;
    handshaking_.erase(found);
    if (stopped_) {
        session->close("server shutting down");
        return;
    }
    guard_.finished(session->address(), !error, std::chrono::steady_clock::now());
    if (error) {
        ++handshakeFailures_;
        const HandshakeFailure failure = classifyHandshakeError(error);
        log_.warn(kHandshakeRefused, session->address().to_string(),
                  std::chrono::steady_clock::now(),
                  "connection from " + session->peer() + " refused: " + describe(failure) +
                      (failure == HandshakeFailure::Other ? " (" + error.message() + ")" : ""));
        session->close(describe(failure));
        return;
    }
    admit(session);
}

void StreamServer::admit(std::shared_ptr<ViewerSession> session)
{
    if (static_cast<int>(sessions_.size()) >= config_.maxViewers) {
        ++viewersRefused_;
        const std::string reason =
            "server full (" + std::to_string(config_.maxViewers) + " viewers)";
        spdlog::warn("viewer {} refused: {}", session->peer(), reason);
        if (refusing_.size() < kMaxRefusing) {
            refusing_.emplace(session.get(), session);
            session->refuse(hello_, bye(ByeReason::ServerFull, reason), "refused: " + reason);
        } else {
            session->close("refused: " + reason);
        }
        return;
    }
    ++viewersServed_;
    sessions_.emplace(session.get(), session);
    spdlog::info("viewer {} connected{} ({} of at most {})", session->peer(),
                 session->secure() ? " with the key" : "", sessions_.size(), config_.maxViewers);
    session->start(hello_, hub_, width_, height_);
    if (activeEvent_)
        session->send(activeEvent_);
}

void StreamServer::onMotionEvent(const MotionEventRecord& record, MotionEvents::Change change)
{
    Event event;
    event.change =
        static_cast<std::uint8_t>(change == MotionEvents::Change::Started ? EventChange::Started
                                  : change == MotionEvents::Change::Ended ? EventChange::Ended
                                                                          : EventChange::Updated);
    event.id = record.id;
    event.startMs = record.startMs;
    event.endMs = record.endMs.value_or(0);
    event.score = record.score;
    event.box = record.box;
    auto message = std::make_shared<const std::vector<std::uint8_t>>(encode(event));
    activeEvent_ = change == MotionEvents::Change::Ended ? nullptr : message;
    for (auto& session : snapshot(sessions_))
        session->send(message);
}

void StreamServer::housekeeping()
{
    housekeeping_.expires_after(kHousekeepingPeriod);
    housekeeping_.async_wait([this](const std::error_code& error) {
        if (error || stopped_)
            return;
        const auto now = std::chrono::steady_clock::now();
        log_.flush(now);
        for (auto& session : snapshot(sessions_))
            session->checkStall(now);
        for (auto& session : snapshot(refusing_))
            session->checkStall(now);
        housekeeping();
    });
}

void StreamServer::removeSession(ViewerSession* session)
{
    sessions_.erase(session);
    refusing_.erase(session);
    handshaking_.erase(session);
}

ViewerSession::Message StreamServer::bye(ByeReason reason, const std::string& text) const
{
    return share(encode(Bye{reason, text}));
}

} // namespace pistream
