#include "server/viewer_session.h"

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/error.h"

namespace pistream {

namespace {

constexpr std::size_t kMaxQueuedControl = 16; // more pings than this in flight are ignored

} // namespace

ViewerSession::ViewerSession(asio::ip::tcp::socket socket, asio::ssl::context* tls,
                             const SessionLimits& limits, SessionTotals& totals,
                             ClosedHandler onClosed)
    : stream_(std::move(socket), tls), deadline_(stream_.get_executor()), limits_(limits),
      totals_(totals), onClosed_(std::move(onClosed)), peer_(stream_.peer()),
      reader_(kMaxViewerMessage), pacer_(stream_.tcp(), limits.pacing)
{
    pacer_.onRungChange([this](Rung rung) { onRungChange(rung); });
    std::error_code ignored;
    address_ = stream_.tcp().remote_endpoint(ignored).address();
    stream_.tcp().set_option(asio::ip::tcp::no_delay(true), ignored);
    stream_.tcp().set_option(asio::socket_base::keep_alive(true), ignored);
}

void ViewerSession::authenticate(std::chrono::milliseconds timeout, AuthenticatedHandler done)
{
    auto timedOut = std::make_shared<bool>(false);
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = shared_from_this(), timedOut](const std::error_code& error) {
        if (error || self->closed_)
            return;
        *timedOut = true;
        self->stream_.close(); // ends the handshake with an error
    });
    stream_.asyncHandshake(asio::ssl::stream_base::server,
                           [self = shared_from_this(), timedOut,
                            done = std::move(done)](const std::error_code& error) {
                               self->deadline_.cancel();
                               if (*timedOut)
                                   done(asio::error::timed_out);
                               else
                                   done(error);
                           });
}

void ViewerSession::start(Message hello, FrameHub& hub, unsigned width, unsigned height)
{
    started_ = true;
    width_ = width;
    height_ = height;
    send(std::move(hello));
    if (!hub.sourceStatus().live())
        onSourceStatus(hub.sourceStatus());
    subscription_ = hub.subscribe(*this);
    subscription_.setRung(pacer_.rung());
    doRead();
}

void ViewerSession::onRungChange(Rung rung)
{
    // The hub gives this viewer the new rung's frames from now on, and the
    // pipeline makes them while anyone is on it.
    subscription_.setRung(rung);
    ++rungChanges_;
    ++totals_.rungChanges;
    spdlog::debug("viewer {}: rung {} ({:.1f} Mbit/s delivered lately)", peer_, nameOf(rung),
                  pacer_.controller().recentRate() * 8 / 1e6);
}

void ViewerSession::refuse(Message hello, Message bye, const std::string& reason)
{
    started_ = true;
    send(std::move(hello));
    finish(std::move(bye), reason);
}

void ViewerSession::onSourceStatus(const SourceStatus& status)
{
    send(std::make_shared<const std::vector<std::uint8_t>>(
        encode(Status{status.state, status.text})));
}

void ViewerSession::onFrame(const EncodedFramePtr& frame)
{
    if (closed_ || closeAfterWrite_)
        return;
    if (!writing_ && pacer_.empty())
        lastProgress_ = std::chrono::steady_clock::now(); // the stall clock starts now
    const std::size_t skipped = pacer_.offer(frame);
    framesSkipped_ += skipped;
    totals_.framesSkipped += skipped;
    doWrite();
}

void ViewerSession::send(Message message)
{
    if (closed_ || closeAfterWrite_ || control_.size() >= kMaxQueuedControl)
        return;
    control_.push_back(std::move(message));
    doWrite();
}

void ViewerSession::protocolError(const std::error_code& error)
{
    finish(std::make_shared<const std::vector<std::uint8_t>>(
               encode(Bye{ByeReason::ProtocolError, error.message()})),
           "protocol error: " + error.message());
}

void ViewerSession::finish(Message bye, const std::string& reason)
{
    if (closed_ || closeAfterWrite_)
        return;
    subscription_.reset();
    pacer_.clear();
    if (bye)
        control_.push_back(std::move(bye));
    closeAfterWrite_ = true;
    closeReason_ = reason;
    doWrite();
}

void ViewerSession::close(const std::string& reason)
{
    if (closed_)
        return;
    closed_ = true;
    if (started_)
        spdlog::info("viewer {} disconnected: {} (sent {} frames, skipped {}, {:.1f} MB, {} rung "
                     "changes)",
                     peer_, reason, framesSent_, framesSkipped_,
                     static_cast<double>(bytesSent_) / 1e6, rungChanges_);
    subscription_.reset();
    stream_.close();
    pacer_.clear();
    control_.clear();
    deadline_.cancel();
    if (onClosed_)
        onClosed_(this);
}

void ViewerSession::checkStall(std::chrono::steady_clock::time_point now)
{
    // Something to send (a write, or frames waiting for room) and no progress.
    if (!closed_ && (writing_ || !pacer_.empty()) && now - lastProgress_ > limits_.stallTimeout)
        close("no progress for " +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::seconds>(limits_.stallTimeout).count()) +
              " s");
}

void ViewerSession::doRead()
{
    stream_.async_read_some(
        asio::buffer(readBuffer_),
        [self = shared_from_this()](const std::error_code& error, std::size_t bytes) {
            self->onRead(error, bytes);
        });
}

void ViewerSession::onRead(const std::error_code& error, std::size_t bytes)
{
    if (closed_)
        return;
    if (error) {
        close(error == asio::error::eof || error == asio::ssl::error::stream_truncated
                  ? "viewer closed the connection"
                  : error.message());
        return;
    }
    std::span<const std::uint8_t> data(readBuffer_.data(), bytes);
    while (!data.empty()) {
        std::size_t used = 0;
        const auto result = reader_.feed(data, used);
        data = data.subspan(used);
        if (result == MessageReader::Result::Error) {
            protocolError(reader_.error());
            return;
        }
        if (result == MessageReader::Result::Message && !handleMessage(reader_.message()))
            return;
    }
    doRead();
}

bool ViewerSession::handleMessage(const MessageView& message)
{
    switch (static_cast<MessageType>(message.type)) {
    case MessageType::Ping: {
        Ping ping;
        if (auto error = decode(message.body, ping)) {
            protocolError(error);
            return false;
        }
        send(std::make_shared<const std::vector<std::uint8_t>>(
            encode(Pong{ping.viewerMicros, monotonicMicros()})));
        return true;
    }
    case MessageType::Bye:
        finish(nullptr, "viewer said bye"); // nothing more to say but close_notify
        return false;
    case MessageType::Adapt: {
        Adapt adapt;
        if (auto error = decode(message.body, adapt)) {
            protocolError(error);
            return false;
        }
        // A policy from a later version that this server does not know: its
        // own default stays, as the protocol says.
        const AdaptPolicy policy = adapt.known().value_or(limits_.pacing.adapt);
        // 1.3: a viewer drawing at most half our size is served half size
        // (the ceiling first: a new policy then starts under it).
        pacer_.setCeiling(sizeCeiling(width_, height_, adapt.shownWidth, adapt.shownHeight));
        pacer_.setPolicy(policy);
        spdlog::debug("viewer {} asked for adapt {} (policy byte {}), shown at {}x{}", peer_,
                      nameOf(policy), adapt.policy, adapt.shownWidth, adapt.shownHeight);
        return true;
    }
    default:
        return true; // unknown or server-only types: ignored, as the protocol says
    }
}

void ViewerSession::doWrite()
{
    if (writing_ || closed_)
        return;
    if (!control_.empty()) {
        writingMessage_ = std::move(control_.front());
        control_.pop_front();
        writeBuffers_ = {asio::buffer(*writingMessage_), asio::const_buffer()};
    } else if (auto next = pacer_.next([self = shared_from_this()] { self->doWrite(); });
               next.frame) {
        framesSkipped_ += next.skipped;
        totals_.framesSkipped += next.skipped;
        writingFrame_ = std::move(next.frame);
        writeBuffers_ = {
            asio::buffer(writingFrame_->wireHeader),
            asio::buffer(writingFrame_->payload.data(), writingFrame_->payload.size())};
    } else {
        if (closeAfterWrite_) {
            // Everything is out, the BYE last: end TLS in order, then close.
            // Counted as a write, so a peer that takes nothing stalls out.
            writing_ = true;
            lastProgress_ = std::chrono::steady_clock::now();
            stream_.asyncCloseNotify(
                [self = shared_from_this()] { self->close(self->closeReason_); });
        }
        return; // nothing to send, or frames wait for room (the pacer calls back)
    }
    writing_ = true;
    lastProgress_ = std::chrono::steady_clock::now();
    writeSome();
}

void ViewerSession::writeSome()
{
    stream_.async_write_some(writeBuffers_, [self = shared_from_this()](
                                                const std::error_code& error, std::size_t bytes) {
        self->onWrite(error, bytes);
    });
}

void ViewerSession::onWrite(const std::error_code& error, std::size_t bytes)
{
    if (closed_)
        return;
    if (error) {
        close(error == asio::error::broken_pipe || error == asio::error::connection_reset
                  ? "viewer went away"
                  : error.message());
        return;
    }
    lastProgress_ = std::chrono::steady_clock::now();
    bytesSent_ += bytes;
    totals_.bytesSent += bytes;
    for (auto& buffer : writeBuffers_) {
        const std::size_t take = std::min(bytes, buffer.size());
        buffer += take;
        bytes -= take;
    }
    if (writeBuffers_[0].size() + writeBuffers_[1].size() > 0) {
        writeSome(); // partial write: carry on from where it stopped
        return;
    }
    if (writingFrame_) {
        ++framesSent_;
        ++totals_.framesSent;
    }
    writingFrame_.reset();
    writingMessage_.reset();
    writing_ = false;
    doWrite();
}

} // namespace pistream
