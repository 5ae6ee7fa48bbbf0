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

ViewerSession::Message share(std::vector<std::uint8_t> bytes)
{
    return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

} // namespace

StreamServer::StreamServer(asio::io_context& io, const StreamServerConfig& config,
                           const Hello& hello)
    : io_(io), config_(config), acceptor_(io), housekeeping_(io), acceptRetry_(io), forceClose_(io),
      hello_(share(encode(hello)))
{}

void StreamServer::start()
{
    localEndpoint_ = listenOn(acceptor_, config_.listen);
    accept();
    housekeeping();
}

void StreamServer::publish(EncodedFramePtr frame)
{
    asio::post(io_, [this, frame = std::move(frame)] {
        if (stopped_)
            return;
        for (auto& [key, session] : sessions_)
            session->offer(frame);
    });
}

void StreamServer::setSourceState(SourceState state, const std::string& text)
{
    asio::post(io_, [this, state, text] {
        if (stopped_ || (state == sourceState_ && state == SourceState::Live))
            return;
        sourceState_ = state;
        status_ = share(encode(Status{state, text}));
        for (auto& [key, session] : sessions_)
            session->send(status_);
    });
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
        const auto goodbye = bye(ByeReason::ShuttingDown, "server shutting down");
        for (auto& session : snapshot(sessions_))
            session->finish(goodbye, "server shutting down");
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
    return {static_cast<int>(sessions_.size()), viewersServed_, viewersRefused_, totals_};
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
    auto session = std::make_shared<ViewerSession>(std::move(socket), config_.session, totals_,
                                                   std::move(closed));
    if (static_cast<int>(sessions_.size()) >= config_.maxViewers) {
        ++viewersRefused_;
        const std::string reason =
            "server full (" + std::to_string(config_.maxViewers) + " viewers)";
        spdlog::warn("viewer {} refused: {}", session->peer(), reason);
        if (refusing_.size() < kMaxRefusing) {
            refusing_.emplace(session.get(), session);
            session->refuse(hello_, bye(ByeReason::ServerFull, reason), "refused: " + reason);
        }
        accept();
        return;
    }
    ++viewersServed_;
    sessions_.emplace(session.get(), session);
    viewerCount_ = static_cast<int>(sessions_.size());
    spdlog::info("viewer {} connected ({} of at most {})", session->peer(), sessions_.size(),
                 config_.maxViewers);
    session->start(hello_, sourceState_ == SourceState::Live ? nullptr : status_);
    accept();
}

void StreamServer::housekeeping()
{
    housekeeping_.expires_after(kHousekeepingPeriod);
    housekeeping_.async_wait([this](const std::error_code& error) {
        if (error || stopped_)
            return;
        const auto now = std::chrono::steady_clock::now();
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
    viewerCount_ = static_cast<int>(sessions_.size());
}

ViewerSession::Message StreamServer::bye(ByeReason reason, const std::string& text) const
{
    return share(encode(Bye{reason, text}));
}

} // namespace pistream
