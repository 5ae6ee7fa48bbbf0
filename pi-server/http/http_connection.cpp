#include "http/http_connection.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/printable_text.h"
#include "media/mkv_recorder.h"

namespace pistream {

namespace {

constexpr LogKind kHttpWrongKey{
    "http wrong key",
    "http: {count} more wrong pairing keys from {subject} in the last {seconds} s"};

constexpr LogKind kHttpWrongHost{
    "http wrong host",
    "http: {count} more requests from {subject} for unknown Host names in the last {seconds} s"};
constexpr std::size_t kLoggedTextSize = 256; // of a path or header value in a log line

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Lingering after an answer to a request whose body was not read: enough for
// an upload a browser might make, not forever.
constexpr std::size_t kLingerBytes = 16 * 1024 * 1024;
constexpr std::chrono::milliseconds kLingerTime{5000};
constexpr std::size_t kFileChunk = 64 * 1024; // read from a recording per write

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

HttpConnection::HttpConnection(const Context& context, asio::ip::tcp::socket socket,
                               const asio::ip::address& address)
    : context_(context), address_(address), socket_(std::move(socket), context.tls),
      deadline_(context.io), parser_(context.config.maxRequestBytes),
      stream_(socket_, context.config.pacing, context.totals),
      replay_(socket_, context.io, context.totals)
{}

void HttpConnection::start()
{
    armDeadline(context_.config.requestTimeout, 408, "request not complete in time");
    if (!socket_.secure()) {
        read();
        return;
    }
    // HTTPS: the handshake counts against the request's deadline.
    socket_.asyncHandshake(asio::ssl::stream_base::server,
                           [self = shared_from_this()](const std::error_code& error) {
                               if (self->mode_ != Mode::Request)
                                   return;
                               if (error) {
                                   spdlog::debug("http: TLS handshake with {} failed: {}",
                                                 self->remote(), error.message());
                                   self->close();
                                   return;
                               }
                               self->read();
                           });
}

void HttpConnection::refuse(HttpResponse response)
{
    endRequest(KeyCheck::NotAsked);
    answer(std::move(response));
}

void HttpConnection::onFrame(const EncodedFramePtr& frame)
{
    if (mode_ == Mode::Snapshot)
        answer(snapshotResponse(frame, head_));
}

HttpConnection::~HttpConnection()
{
    if (file_ >= 0)
        ::close(file_);
}

void HttpConnection::close()
{
    if (mode_ == Mode::Closed)
        return;
    if (file_ >= 0) {
        ::close(file_);
        file_ = -1;
    }
    endRequest(KeyCheck::NotAsked);
    subscription_.reset();
    stream_.stop();
    replay_.stop();
    if (replayCounted_) {
        replayCounted_ = false;
        --context_.totals.replaying;
    }
    mode_ = Mode::Closed;
    deadline_.cancel();
    socket_.close();
    context_.closed(this);
}

void HttpConnection::armDeadline(std::chrono::milliseconds after, int status, const char* why)
{
    deadline_.expires_after(after);
    deadline_.async_wait([self = shared_from_this(), status, why](const std::error_code& error) {
        if (error || self->mode_ == Mode::Closed)
            return;
        if (self->mode_ == Mode::Request || self->mode_ == Mode::Snapshot) {
            self->endRequest(KeyCheck::NotAsked);
            self->answer(textResponse(status, std::string(why) + "\n"));
        } else {
            self->close();
        }
    });
}

void HttpConnection::read()
{
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](const std::error_code& error, std::size_t length) {
            if (self->mode_ != Mode::Request)
                return;
            if (error) {
                self->close();
                return;
            }
            switch (self->parser_.feed({self->buffer_.data(), length})) {
            case HttpRequestParser::State::NeedMore:
                if (self->parser_.continueDue())
                    self->sendContinue();
                else
                    self->read();
                break;
            case HttpRequestParser::State::Failed:
                spdlog::debug("http: bad request from {}: {} ({})", self->remote(),
                              self->parser_.errorStatus(), self->parser_.error());
                // The rest of the request (a body too large, say) may still be
                // on its way: linger rather than reset the connection under it.
                self->endRequest(KeyCheck::NotAsked);
                self->answer(
                    textResponse(self->parser_.errorStatus(), self->parser_.error() + "\n"), true);
                break;
            case HttpRequestParser::State::Complete:
                ++self->context_.totals.requests;
                self->act(self->context_.router.route(
                    self->parser_.request(),
                    {self->context_.hub.sourceStatus(), self->context_.hub.latest(),
                     monotonicMicros(), unixNow(), self->socket_.secure(), self->context_.status,
                     self->context_.keyWait(self->address_), &self->context_.config.events}));
                break;
            }
        });
}

void HttpConnection::act(HttpResponse response)
{
    head_ = response.headOnly;
    endRequest(response.key);
    if (response.key == KeyCheck::Missing || response.key == KeyCheck::WrongKey)
        ++context_.totals.refused;
    const HttpRequest& request = parser_.request();
    // What the browser sent is escaped before it is logged: no line breaks
    // or terminal controls from strangers in the log.
    const std::string what = request.method + " " + escapeText(request.path, kLoggedTextSize);
    if (response.key == KeyCheck::WrongKey)
        context_.warnLimited(kHttpWrongKey, address_,
                             "http: wrong pairing key from " + remote() +
                                 (request.path == "/login" ? " (login form, " : " (HTTP Basic, ") +
                                 what + ")");
    if (response.status == 421)
        context_.warnLimited(kHttpWrongHost, address_,
                             "http: " + what + " from " + remote() + " refused: Host '" +
                                 escapeText(request.header("host"), kLoggedTextSize) +
                                 "' is no name of this camera (DNS rebinding?); --http-host "
                                 "adds one");
    spdlog::debug("http: {} from {}: {}", what, remote(), response.status);
    switch (response.action) {
    case HttpResponse::Action::Send:
        answer(std::move(response));
        break;
    case HttpResponse::Action::StreamMjpeg:
        startStream(response);
        break;
    case HttpResponse::Action::SendFile:
        sendFile(std::move(response));
        break;
    case HttpResponse::Action::ReplayClip:
        startReplay(response);
        break;
    case HttpResponse::Action::WaitForSnapshot:
        // Saying so makes the pipeline encode a frame.
        mode_ = Mode::Snapshot;
        subscription_ = context_.hub.subscribe(*this);
        armDeadline(context_.config.snapshotTimeout, 503, "no frame from the source in time");
        break;
    }
}

void HttpConnection::endRequest(KeyCheck key)
{
    if (!pending_)
        return;
    pending_ = false;
    context_.requestEnded(address_, key);
}

void HttpConnection::startStream(const HttpResponse& response)
{
    if (response.headOnly) {
        headText_ = MjpegStream::responseHead();
        mode_ = Mode::Answering;
        armDeadline(context_.config.stallTimeout, 0, "");
        asio::async_write(socket_, asio::buffer(headText_),
                          [self = shared_from_this()](const std::error_code&, std::size_t sent) {
                              self->context_.totals.bytesSent += sent;
                              self->close();
                          });
        return;
    }
    mode_ = Mode::Streaming;
    deadline_.cancel();
    auto self = shared_from_this();
    stream_.start(context_.hub, self,
                  {[this] { armDeadline(context_.config.stallTimeout, 0, ""); },
                   [this] { deadline_.cancel(); },
                   [this](const std::error_code&) {
                       close();
                   }});
}

void HttpConnection::startReplay(const HttpResponse& response)
{
    if (context_.totals.replaying >= context_.config.maxReplays) {
        answer(textResponse(503,
                            "too many recordings are being played at once (at most " +
                                std::to_string(context_.config.maxReplays) + "): try again later\n",
                            "Retry-After: 5\r\n"));
        return;
    }
    std::unique_ptr<MkvReader> reader;
    try {
        reader = std::make_unique<MkvReader>(response.filePath);
    } catch (const MkvError& error) { // deleted by retention, or unreadable
        spdlog::debug("http: replay for {}: {}", remote(),
                      escapeText(error.what(), kLoggedTextSize));
        answer(textResponse(404, "no such event or file\n"));
        return;
    }
    if (response.headOnly) {
        startStream(response); // the same head, then close
        return;
    }
    mode_ = Mode::Replaying;
    replayCounted_ = true;
    ++context_.totals.replaying;
    deadline_.cancel();
    replay_.start(std::move(reader), shared_from_this(),
                  {[this] { armDeadline(context_.config.stallTimeout, 0, ""); },
                   [this] { deadline_.cancel(); },
                   [this](const std::error_code&) {
                       close();
                   }});
}

void HttpConnection::sendContinue()
{
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](const std::error_code& error, std::size_t sent) {
                          if (self->mode_ != Mode::Request)
                              return;
                          self->context_.totals.bytesSent += sent;
                          if (error)
                              self->close();
                          else
                              self->read();
                      });
}

void HttpConnection::linger()
{
    // Closing with unread bytes would reset the connection, and the peer's
    // TCP would throw the answer away unread (RFC 9112 9.6).
    mode_ = Mode::Lingering;
    std::error_code ignored;
    socket_.tcp().shutdown(asio::socket_base::shutdown_send, ignored);
    armDeadline(kLingerTime, 0, "");
    drain();
}

void HttpConnection::drain()
{
    socket_.tcp().async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](const std::error_code& error, std::size_t length) {
            if (self->mode_ != Mode::Lingering)
                return;
            self->drained_ += length;
            if (error || self->drained_ >= kLingerBytes)
                self->close();
            else
                self->drain();
        });
}

void HttpConnection::answer(HttpResponse response, bool linger)
{
    subscription_.reset();
    mode_ = Mode::Answering;
    response_ = std::move(response);
    headText_ = response_.head();
    std::span<const std::uint8_t> body;
    if (response_.frame)
        body = response_.frame->jpeg;
    else
        body = {reinterpret_cast<const std::uint8_t*>(response_.body.data()),
                response_.body.size()};
    if (response_.headOnly)
        body = {};
    armDeadline(context_.config.stallTimeout, 0, "");
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(headText_),
                                                    asio::buffer(body.data(), body.size())};
    asio::async_write(
        socket_, buffers,
        [self = shared_from_this(), linger](const std::error_code& error, std::size_t sent) {
            self->context_.totals.bytesSent += sent;
            if (linger && !error && self->mode_ == Mode::Answering)
                self->linger();
            else
                self->close();
        });
}

void HttpConnection::sendFile(HttpResponse response)
{
    subscription_.reset();
    file_ = ::open(response.filePath.c_str(), O_RDONLY | O_CLOEXEC);
    if (file_ < 0) { // deleted by retention since the router looked
        answer(textResponse(404, "no such event or file\n"));
        return;
    }
    mode_ = Mode::Answering;
    response_ = std::move(response);
    headText_ = response_.head();
    fileOffset_ = response_.fileOffset;
    fileLeft_ = response_.headOnly ? 0 : response_.fileLength;
    armDeadline(context_.config.stallTimeout, 0, "");
    asio::async_write(socket_, asio::buffer(headText_),
                      [self = shared_from_this()](const std::error_code& error, std::size_t sent) {
                          self->context_.totals.bytesSent += sent;
                          if (error || self->mode_ != Mode::Answering)
                              self->close();
                          else
                              self->sendChunk();
                      });
}

void HttpConnection::sendChunk()
{
    if (fileLeft_ == 0) {
        close();
        return;
    }
    if (chunk_.empty())
        chunk_.resize(kFileChunk);
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk_.size(), fileLeft_));
    const ssize_t got = ::pread(file_, chunk_.data(), want, static_cast<off_t>(fileOffset_));
    if (got <= 0) { // the file shrank under us: the peer sees a short body
        close();
        return;
    }
    armDeadline(context_.config.stallTimeout, 0, "");
    asio::async_write(socket_, asio::buffer(chunk_.data(), static_cast<std::size_t>(got)),
                      [self = shared_from_this()](const std::error_code& error, std::size_t sent) {
                          self->context_.totals.bytesSent += sent;
                          if (error || self->mode_ != Mode::Answering) {
                              self->close();
                              return;
                          }
                          self->fileOffset_ += sent;
                          self->fileLeft_ -= sent;
                          self->sendChunk();
                      });
}

std::string HttpConnection::remote() const
{
    return address_.to_string();
}

} // namespace pistream
