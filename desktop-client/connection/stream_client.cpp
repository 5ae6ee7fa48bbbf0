#include "connection/stream_client.h"

#include <algorithm>

#include "core/clock.h"
#include "core/error.h"

namespace pistream {

namespace {

constexpr int kQuickPings = 5; // the first pings come fast, to find the clock offset early
constexpr auto kQuickPingInterval = std::chrono::milliseconds(200);
// Pings remembered for their pongs; an older one is taken as lost.
constexpr std::size_t kMaxPingsOutstanding = 16;

// The BYE's reason as a word, or its number when this viewer does not know it.
std::string describe(ByeReason reason)
{
    const auto code = static_cast<unsigned>(reason);
    return code <= static_cast<unsigned>(ByeReason::Timeout) ? nameOf(reason)
                                                             : "reason " + std::to_string(code);
}

std::unique_ptr<PskTls> clientTls(const std::string& pairingKey)
{
    return pairingKey.empty() ? nullptr : std::make_unique<PskTls>(TlsRole::Client, pairingKey);
}

} // namespace

StreamClient::StreamClient(asio::io_context& io, const ClientConfig& config, Handlers handlers)
    : io_(io), config_(config), handlers_(std::move(handlers)), resolver_(io),
      tls_(clientTls(config.pairingKey)), stream_(io, tls_ ? &tls_->context() : nullptr),
      connectTimer_(io), pingTimer_(io), receiveTimer_(io), reader_(config.maxMessage)
{
    config_.limits.maxJpegLength = std::min(config_.limits.maxJpegLength, config.maxMessage);
}

void StreamClient::start()
{
    auto self = shared_from_this();
    connectTimer_.expires_after(config_.connectTimeout);
    connectTimer_.async_wait([self](const std::error_code& error) {
        if (!error && !self->gotHello_)
            self->fail("no hello from " + self->config_.server.toString() + " within " +
                       std::to_string(self->config_.connectTimeout.count()) + " ms" +
                       (self->stream_.secure() ? ""
                                               : " (a server without --insecure waits for the "
                                                 "pairing key: pistream-viewer --key KEY)"));
    });
    resolver_.async_resolve(
        config_.server.host, std::to_string(config_.server.port),
        [self](const std::error_code& error, asio::ip::tcp::resolver::results_type results) {
            self->onResolved(error, std::move(results));
        });
}

void StreamClient::stop(const std::string& reason)
{
    asio::post(io_, [self = shared_from_this(), reason] { self->fail(reason); });
}

void StreamClient::onResolved(const std::error_code& error,
                              asio::ip::tcp::resolver::results_type results)
{
    if (closed_)
        return;
    if (error) {
        fail("cannot resolve " + config_.server.host + ": " + error.message());
        return;
    }
    asio::async_connect(stream_.tcp(), results,
                        [self = shared_from_this()](const std::error_code& connectError,
                                                    const asio::ip::tcp::endpoint&) {
                            if (self->closed_)
                                return;
                            if (connectError) {
                                self->fail("cannot connect to " + self->config_.server.toString() +
                                           ": " + connectError.message());
                                return;
                            }
                            self->onConnected();
                        });
}

void StreamClient::onConnected()
{
    std::error_code ignored;
    stream_.tcp().set_option(asio::ip::tcp::no_delay(true), ignored);
    if (handlers_.onConnected)
        handlers_.onConnected();
    if (!stream_.secure()) {
        doRead();
        return;
    }
    stream_.asyncHandshake(asio::ssl::stream_base::client,
                           [self = shared_from_this()](const std::error_code& error) {
                               if (self->closed_)
                                   return;
                               if (error)
                                   self->handshakeFailed(error);
                               else
                                   self->doRead();
                           });
}

void StreamClient::handshakeFailed(const std::error_code& error)
{
    const std::string server = config_.server.toString();
    switch (classifyHandshakeError(error)) {
    case HandshakeFailure::WrongKey:
        wrongKey_ = true;
        fail("wrong key: " + server + " has a different pairing key than the one from " +
                 config_.keyOrigin + " (pistream-server --show-key prints it)",
             true);
        return;
    case HandshakeFailure::NotTls:
        fail(server + " does not speak TLS: it runs with --insecure, so connect with --insecure "
                      "(or drop --insecure on the server)",
             true);
        return;
    case HandshakeFailure::Closed:
        fail(server + " closed the connection during the TLS handshake (too many attempts from "
                      "this address, the server busy, or not a pistream-server)",
             true);
        return;
    default:
        fail("TLS handshake with " + server + " failed: " + error.message(), true);
    }
}

void StreamClient::doRead()
{
    stream_.async_read_some(
        asio::buffer(readBuffer_),
        [self = shared_from_this()](const std::error_code& error, std::size_t bytes) {
            self->onRead(error, bytes);
        });
}

void StreamClient::onRead(const std::error_code& error, std::size_t bytes)
{
    if (closed_)
        return;
    if (error) {
        const bool ended = error == asio::error::eof || error == asio::ssl::error::stream_truncated;
        if (ended && !gotHello_ && !stream_.secure())
            fail("server closed the connection before its hello: it may require the pairing key "
                 "(pistream-viewer --key KEY; pistream-server --show-key prints it)",
                 true);
        else
            fail(ended ? "server closed the connection" : error.message(), true);
        return;
    }
    std::span<const std::uint8_t> data(readBuffer_.data(), bytes);
    while (!data.empty() && !closed_) {
        std::size_t used = 0;
        const auto result = reader_.feed(data, used);
        data = data.subspan(used);
        if (result == MessageReader::Result::Error) {
            fail("protocol error: " + reader_.error().message());
            return;
        }
        if (result == MessageReader::Result::Message) {
            lastMessage_ = std::chrono::steady_clock::now();
            if (auto messageError = handleMessage(reader_.message())) {
                fail("protocol error: " + messageError.message());
                return;
            }
        }
    }
    if (!closed_)
        doRead();
}

std::error_code StreamClient::handleMessage(const MessageView& message)
{
    const auto type = static_cast<MessageType>(message.type);
    if (!gotHello_ && type != MessageType::Hello)
        return Errc::UnexpectedMessage;
    switch (type) {
    case MessageType::Hello: {
        if (gotHello_)
            return Errc::UnexpectedMessage;
        if (auto error = decode(message.body, hello_))
            return error;
        gotHello_ = true;
        connectTimer_.cancel();
        if (stream_.secure() && config_.onKeyAccepted)
            config_.onKeyAccepted();
        if (handlers_.onHello)
            handlers_.onHello(hello_);
        if (config_.adapt || config_.shownWidth > 0)
            sendAdapt(); // then the pings: one write at a time
        else
            startPings();
        armReceiveTimer();
        return {};
    }
    case MessageType::Frame:
        return handleFrame(message.body);
    case MessageType::Pong: {
        Pong pong;
        if (auto error = decode(message.body, pong))
            return error;
        onPong(pong);
        return {};
    }
    case MessageType::Status: {
        Status status;
        if (auto error = decode(message.body, status))
            return error;
        if (handlers_.onStatus)
            handlers_.onStatus(status);
        return {};
    }
    case MessageType::Event: {
        Event event;
        if (auto error = decode(message.body, event))
            return error;
        if (event.known() && handlers_.onEvent)
            handlers_.onEvent(event);
        return {};
    }
    case MessageType::Bye: {
        Bye bye;
        if (auto error = decode(message.body, bye))
            return error;
        // fail() stops the read loop: nothing after the bye is looked at.
        fail("server said bye: " + describe(bye.reason) +
                 (bye.text.empty() ? "" : " (" + bye.text + ")"),
             true);
        return {};
    }
    default:
        return {}; // unknown types are skipped, as the protocol says
    }
}

std::error_code StreamClient::handleFrame(std::span<const std::uint8_t> body)
{
    ReceivedFrame frame;
    frame.receivedMicros = monotonicMicros();
    frame.wireBytes = kLengthPrefixSize + 1 + body.size();
    std::span<const std::uint8_t> payload;
    if (auto error = decodeFrame(body, config_.limits, frame.header, payload))
        return error;
    if (frame.header.flags & kFrameFlagGzip) {
        if (auto error = inflater_.inflate(payload, frame.header.jpegLength, jpeg_))
            return error;
        frame.jpeg = jpeg_.span();
    } else {
        frame.jpeg = payload;
    }
    // The framing was right; what it carries may still be no picture of the
    // declared size. That frame is skipped downstream, the connection stays.
    JpegInfo info;
    if (auto error = headerReader_.readHeader(frame.jpeg, info))
        frame.pictureError = error;
    else if (info.width != frame.header.width || info.height != frame.header.height)
        frame.pictureError = Errc::JpegMismatch;
    if (handlers_.onFrame)
        handlers_.onFrame(frame);
    return {};
}

void StreamClient::onPong(const Pong& pong)
{
    // Pongs come in the order of their pings: the one it answers, and any
    // older ones left unanswered, are settled. A pong echoing a value we never
    // sent, or one already answered, says nothing about our clock.
    const auto sent =
        std::find(pingsOutstanding_.begin(), pingsOutstanding_.end(), pong.viewerMicros);
    if (sent == pingsOutstanding_.end()) {
        ++strayPongs_;
        return;
    }
    pingsOutstanding_.erase(pingsOutstanding_.begin(), sent + 1);
    clock_.addSample(pong.viewerMicros, pong.serverMicros, monotonicMicros());
}

void StreamClient::armReceiveTimer()
{
    receiveTimer_.expires_at(lastMessage_ + config_.receiveTimeout);
    receiveTimer_.async_wait([self = shared_from_this()](const std::error_code& error) {
        if (error || self->closed_)
            return;
        if (std::chrono::steady_clock::now() - self->lastMessage_ < self->config_.receiveTimeout) {
            self->armReceiveTimer(); // messages came meanwhile
            return;
        }
        self->fail("no complete message from " + self->config_.server.toString() + " in " +
                       std::to_string(self->config_.receiveTimeout.count()) +
                       " ms (the server stalled)",
                   true);
    });
}

void StreamClient::schedulePing(std::chrono::milliseconds delay)
{
    pingTimer_.expires_after(delay);
    pingTimer_.async_wait([self = shared_from_this()](const std::error_code& error) {
        if (error || self->closed_)
            return;
        self->sendPing();
        self->schedulePing(
            self->pingsSent_ < kQuickPings
                ? std::chrono::duration_cast<std::chrono::milliseconds>(kQuickPingInterval)
                : self->config_.pingInterval);
    });
}

void StreamClient::sendPing()
{
    if (pingInFlight_ || adaptInFlight_)
        return; // the last write has not even left: the link is busy enough
    std::int64_t now = monotonicMicros();
    if (!pingsOutstanding_.empty() && now <= pingsOutstanding_.back())
        now = pingsOutstanding_.back() + 1; // each ping's value is its own
    pingMessage_ = encode(Ping{now});
    pingsOutstanding_.push_back(now);
    if (pingsOutstanding_.size() > kMaxPingsOutstanding)
        pingsOutstanding_.pop_front();
    pingInFlight_ = true;
    ++pingsSent_;
    asio::async_write(stream_, asio::buffer(pingMessage_),
                      [self = shared_from_this()](const std::error_code& error, std::size_t) {
                          self->pingInFlight_ = false;
                          if (self->closed_)
                              return;
                          if (error)
                              self->fail("sending a ping failed: " + error.message(), true);
                          else
                              self->flushPending();
                      });
}

void StreamClient::setShownSize(int width, int height)
{
    if (width == config_.shownWidth && height == config_.shownHeight)
        return;
    config_.shownWidth = width;
    config_.shownHeight = height;
    if (gotHello_ && !closed_)
        sendAdapt();
}

void StreamClient::startPings()
{
    if (pinging_)
        return;
    pinging_ = true;
    schedulePing(std::chrono::milliseconds(0));
}

void StreamClient::sendAdapt()
{
    if (adaptInFlight_ || pingInFlight_) {
        adaptPending_ = true; // sent when that write is done, with the figures of then
        return;
    }
    // A 1.1 server skips the message (unknown type) and a 1.2 one reads the
    // policy only: no need to ask its version.
    const auto clampSize = [](int pixels) {
        return static_cast<std::uint16_t>(std::clamp(pixels, 0, 0xFFFF));
    };
    adaptMessage_ = encode(
        Adapt{config_.adapt ? static_cast<std::uint8_t>(*config_.adapt) : kAdaptServerDefault,
              clampSize(config_.shownWidth), clampSize(config_.shownHeight)});
    adaptInFlight_ = true;
    asio::async_write(stream_, asio::buffer(adaptMessage_),
                      [self = shared_from_this()](const std::error_code& error, std::size_t) {
                          self->adaptInFlight_ = false;
                          if (self->closed_)
                              return;
                          if (error) {
                              self->fail("sending ADAPT failed: " + error.message(), true);
                              return;
                          }
                          self->flushPending();
                          self->startPings();
                      });
}

void StreamClient::flushPending()
{
    if (adaptPending_) {
        adaptPending_ = false;
        sendAdapt();
    }
}

void StreamClient::fail(const std::string& reason, bool byServer)
{
    if (closed_)
        return;
    closed_ = true;
    resolver_.cancel();
    connectTimer_.cancel();
    pingTimer_.cancel();
    receiveTimer_.cancel();
    stream_.close();
    if (handlers_.onClosed)
        handlers_.onClosed(reason, byServer);
}

} // namespace pistream
