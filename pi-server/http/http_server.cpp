#include "http/http_server.h"

#include <array>
#include <optional>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/version.h"
#include "http/http_page.h"
#include "http/http_request.h"
#include "hub/frame_pacer.h"
#include "net/stream_socket.h"
#include "security/pairing_key.h"
#include "server/listener.h"
#include "server/session_map.h"

namespace pistream {

namespace {

constexpr std::string_view kBoundary = "pistreamframe";
constexpr const char* kSessionCookie = "pistream_session";
constexpr std::int64_t kSessionSeconds = 30 * 24 * 3600; // a month

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}
// A snapshot may be this old and still count as the newest frame.
constexpr std::int64_t kFreshMicros = 500'000;

const char* reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 303:
        return "See Other";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

std::string responseHead(int status, std::string_view contentType, std::size_t length,
                         std::string_view extra = {})
{
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) +
                       "\r\nServer: pistream/" + kVersion +
                       "\r\nContent-Type: " + std::string(contentType) + "\r\n";
    if (length != std::string::npos)
        head += "Content-Length: " + std::to_string(length) + "\r\n";
    head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";
    head += extra;
    head += "\r\n";
    return head;
}

} // namespace

// One browser connection: reads one request (within the caps and the
// deadline), answers it and closes, or for /stream.mjpg keeps sending the
// newest frame until the browser goes. Lives on the io thread.
class HttpSession final : public std::enable_shared_from_this<HttpSession>, public FrameSubscriber {
public:
    HttpSession(HttpServer& server, asio::ip::tcp::socket socket)
        : server_(server), stream_(std::move(socket), server.tls_.get()), deadline_(server.io_),
          parser_(server.config_.maxRequestBytes), pacer_(stream_.tcp(), server.config_.pacing)
    {}

    void start()
    {
        armDeadline(server_.config_.requestTimeout, 408, "request not complete in time");
        if (!stream_.secure()) {
            read();
            return;
        }
        // HTTPS: the handshake counts against the request's deadline.
        stream_.asyncHandshake(asio::ssl::stream_base::server,
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

    // /stream.mjpg: the newest frame goes out next; an unsent older one is skipped.
    void onFrame(const EncodedFramePtr& frame) override
    {
        if (mode_ == Mode::Snapshot) {
            sendSnapshot(frame);
            return;
        }
        if (mode_ != Mode::Streaming)
            return;
        server_.totals_.partsSkipped += pacer_.offer(frame);
        sendNext();
    }

    void close()
    {
        if (mode_ == Mode::Closed)
            return;
        subscription_.reset();
        pacer_.clear();
        mode_ = Mode::Closed;
        deadline_.cancel();
        stream_.close();
        server_.remove(this);
    }

    bool streaming() const { return mode_ == Mode::Streaming; }

    void refuse(int maxClients)
    {
        answer(503, "text/plain",
               "busy: " + std::to_string(maxClients) + " clients already; try again later\n",
               "Retry-After: 5\r\n");
    }

private:
    enum class Mode { Request, Answering, Snapshot, Streaming, Closed };

    void armDeadline(std::chrono::milliseconds after, int status, const char* why)
    {
        deadline_.expires_after(after);
        deadline_.async_wait(
            [self = shared_from_this(), status, why](const std::error_code& error) {
                if (error || self->mode_ == Mode::Closed)
                    return;
                if (self->mode_ == Mode::Request || self->mode_ == Mode::Snapshot)
                    self->answer(status, "text/plain", std::string(why) + "\n");
                else
                    self->close();
            });
    }

    // Reads and writes go through TLS when the server has a certificate.
    template <typename Handler> void asyncReadSome(Handler&& handler)
    {
        stream_.async_read_some(asio::buffer(buffer_), std::forward<Handler>(handler));
    }
    template <typename Buffers, typename Handler>
    void asyncWrite(const Buffers& buffers, Handler&& handler)
    {
        asio::async_write(stream_, buffers, std::forward<Handler>(handler));
    }

    void read()
    {
        asyncReadSome(
            [self = shared_from_this()](const std::error_code& error, std::size_t length) {
                if (self->mode_ != Mode::Request)
                    return;
                if (error) {
                    self->close();
                    return;
                }
                switch (self->parser_.feed({self->buffer_.data(), length})) {
                case HttpRequestParser::State::NeedMore:
                    self->read();
                    break;
                case HttpRequestParser::State::Failed:
                    self->answer(self->parser_.errorStatus(), "text/plain",
                                 self->parser_.error() + "\n");
                    break;
                case HttpRequestParser::State::Complete:
                    self->route(self->parser_.request());
                    break;
                }
            });
    }

    void route(const HttpRequest& request)
    {
        ++server_.totals_.requests;
        head_ = request.method == "HEAD";
        const bool login = request.path == "/login";
        if (login && request.method == "POST") {
            logIn(request);
            return;
        }
        if (request.method != "GET" && !head_) {
            answer(405, "text/plain", "only GET and HEAD\n", "Allow: GET, HEAD\r\n");
            return;
        }
        const std::string& path = request.path;
        if (login) {
            answer(200, "text/html; charset=utf-8", loginPage(false));
            return;
        }
        if (path != "/health" && !authorized(request)) {
            ++server_.totals_.refused;
            if (path == "/" || path == "/index.html") // a person: the login form
                answer(303, "text/plain", "log in first\n", "Location: login\r\n");
            else // a tool: HTTP Basic
                answer(401, "text/plain",
                       "this camera needs its pairing key: any user name, the key as password "
                       "(the server's log says where the key file is)\n",
                       "WWW-Authenticate: Basic realm=\"pistream\", charset=\"UTF-8\"\r\n");
            return;
        }
        if (path == "/" || path == "/index.html") {
            answer(200, "text/html; charset=utf-8", std::string(indexPage()));
        } else if (path == "/stream.mjpg") {
            startStream();
        } else if (path == "/snapshot.jpg") {
            const EncodedFramePtr& latest = server_.hub_.latest();
            if (latest && monotonicMicros() - latest->header.captureMicros < kFreshMicros) {
                sendSnapshot(latest);
            } else {
                // Wait for the next frame: saying so makes the pipeline encode one.
                mode_ = Mode::Snapshot;
                subscription_ = server_.hub_.subscribe(*this);
                armDeadline(server_.config_.snapshotTimeout, 503,
                            "no frame from the source in time");
            }
        } else if (path == "/api/status") {
            answer(200, "application/json", server_.statusJson().dump(2) + "\n");
        } else if (path == "/health") {
            const SourceStatus& source = server_.hub_.sourceStatus();
            if (source.live())
                answer(200, "text/plain", "ok: " + source.text + "\n");
            else
                answer(503, "text/plain", "source down: " + source.text + "\n");
        } else {
            answer(404, "text/plain", "no such page: " + path + "\n");
        }
    }

    bool authorized(const HttpRequest& request) const
    {
        const std::string& key = server_.config_.pairingKey;
        return key.empty() || pairingKeyMatches(key, request.basicPassword()) ||
               sessionTokenValid(key, request.cookie(kSessionCookie), unixNow());
    }

    // POST /login with the form's key: a session cookie, or the form again.
    void logIn(const HttpRequest& request)
    {
        const std::string& key = server_.config_.pairingKey;
        if (key.empty()) {
            answer(303, "text/plain", "no key needed\n", "Location: ./\r\n");
            return;
        }
        if (pairingKeyMatches(key, request.formField("key"))) {
            const std::string cookie = std::string("Set-Cookie: ") + kSessionCookie + "=" +
                                       makeSessionToken(key, unixNow() + kSessionSeconds) +
                                       "; Max-Age=" + std::to_string(kSessionSeconds) +
                                       "; Path=/; HttpOnly; SameSite=Strict" +
                                       (stream_.secure() ? "; Secure" : "") +
                                       "\r\nLocation: ./\r\n";
            answer(303, "text/plain", "logged in\n", cookie);
            return;
        }
        ++server_.totals_.refused;
        spdlog::warn("http: wrong pairing key from {}", remote());
        answer(401, "text/html; charset=utf-8", loginPage(true));
    }

    std::string remote() const
    {
        std::error_code error;
        const auto endpoint = stream_.tcp().remote_endpoint(error);
        return error ? std::string("?") : endpoint.address().to_string();
    }

    void sendSnapshot(const EncodedFramePtr& frame)
    {
        subscription_.reset();
        mode_ = Mode::Answering;
        const std::string head = responseHead(200, "image/jpeg", frame->jpeg.size(),
                                              "Content-Disposition: inline; "
                                              "filename=\"snapshot.jpg\"\r\n");
        writeAndClose(head, head_ ? std::span<const std::uint8_t>{} : frame->jpeg, frame);
    }

    // A whole response, then close. Every buffer lives in the session until done.
    void answer(int status, std::string_view type, std::string body, std::string_view extra = {})
    {
        subscription_.reset();
        mode_ = Mode::Answering;
        body_ = std::move(body);
        const std::string head = responseHead(status, type, body_.size(), extra);
        const auto bytes = reinterpret_cast<const std::uint8_t*>(body_.data());
        writeAndClose(head,
                      head_ ? std::span<const std::uint8_t>{}
                            : std::span<const std::uint8_t>(bytes, body_.size()),
                      nullptr);
    }

    void writeAndClose(const std::string& head, std::span<const std::uint8_t> body,
                       EncodedFramePtr keep)
    {
        headText_ = head;
        sending_ = std::move(keep);
        armDeadline(server_.config_.stallTimeout, 0, "");
        const std::array<asio::const_buffer, 2> buffers{asio::buffer(headText_),
                                                        asio::buffer(body.data(), body.size())};
        asyncWrite(buffers, [self = shared_from_this()](const std::error_code&, std::size_t sent) {
            self->server_.totals_.bytesSent += sent;
            self->close();
        });
    }

    void startStream()
    {
        const std::string head =
            responseHead(200, "multipart/x-mixed-replace; boundary=" + std::string(kBoundary),
                         std::string::npos);
        if (head_) {
            mode_ = Mode::Answering;
            writeAndClose(head, {}, nullptr);
            return;
        }
        mode_ = Mode::Streaming;
        subscription_ = server_.hub_.subscribe(*this);
        deadline_.cancel();
        std::error_code ignored;
        stream_.tcp().set_option(asio::ip::tcp::no_delay(true), ignored);
        headText_ = head;
        writing_ = true;
        armDeadline(server_.config_.stallTimeout, 0, "");
        asyncWrite(asio::buffer(headText_),
                   [self = shared_from_this()](const std::error_code& error, std::size_t sent) {
                       self->onPartWritten(error, sent);
                   });
    }

    // The next part when the browser can take it: a slow one skips frames in
    // the pacer, as a slow stream viewer does, instead of watching seconds-old
    // pictures from a deep socket buffer.
    void sendNext()
    {
        if (writing_ || mode_ != Mode::Streaming)
            return;
        auto next = pacer_.next([self = shared_from_this()] { self->sendNext(); });
        server_.totals_.partsSkipped += next.skipped;
        if (next.frame)
            writePart(next.frame);
    }

    void writePart(const EncodedFramePtr& frame)
    {
        sending_ = frame;
        partHead_ =
            "--" + std::string(kBoundary) + "\r\nContent-Type: image/jpeg\r\nContent-Length: " +
            std::to_string(frame->jpeg.size()) +
            "\r\nX-Timestamp-Us: " + std::to_string(frame->header.captureMicros) + "\r\n\r\n";
        writing_ = true;
        armDeadline(server_.config_.stallTimeout, 0, "");
        const std::array<asio::const_buffer, 3> buffers{
            asio::buffer(partHead_), asio::buffer(frame->jpeg.data(), frame->jpeg.size()),
            asio::buffer("\r\n", 2)};
        asyncWrite(buffers,
                   [self = shared_from_this()](const std::error_code& error, std::size_t sent) {
                       ++self->server_.totals_.partsSent;
                       self->onPartWritten(error, sent);
                   });
    }

    void onPartWritten(const std::error_code& error, std::size_t sent)
    {
        server_.totals_.bytesSent += sent;
        writing_ = false;
        sending_.reset();
        if (mode_ != Mode::Streaming)
            return;
        if (error) {
            close();
            return;
        }
        deadline_.cancel();
        sendNext();
    }

    HttpServer& server_;
    FrameHub::Subscription subscription_; // streaming, or waiting for a snapshot
    StreamSocket stream_;
    asio::steady_timer deadline_;
    HttpRequestParser parser_;
    std::array<char, 2048> buffer_{};
    Mode mode_ = Mode::Request;
    bool head_ = false;
    bool writing_ = false;
    std::string headText_;
    std::string partHead_;
    std::string body_;
    EncodedFramePtr sending_;
    FramePacer pacer_;
};

HttpServer::HttpServer(asio::io_context& io, FrameHub& hub, const HttpServerConfig& config,
                       Status status)
    : io_(io), hub_(hub), config_(config), status_(std::move(status)), acceptor_(io)
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
    localEndpoint_ = listenOn(acceptor_, config_.listen);
    accept();
}

void HttpServer::accept()
{
    acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
        if (stopped_ || error == asio::error::operation_aborted)
            return;
        if (!error) {
            auto session = std::make_shared<HttpSession>(*this, std::move(socket));
            sessions_.emplace(session.get(), session);
            if (static_cast<int>(sessions_.size()) > config_.maxClients) {
                spdlog::warn("http: more than {} clients, refusing one", config_.maxClients);
                session->refuse(config_.maxClients);
            } else {
                session->start();
            }
        } else {
            spdlog::warn("http: accept failed: {}", error.message());
        }
        accept();
    });
}

void HttpServer::remove(HttpSession* session)
{
    // Deferred: the session may be deep in its own call stack.
    asio::post(io_, [this, session] { sessions_.erase(session); });
}

void HttpServer::stop()
{
    asio::post(io_, [this] {
        if (stopped_)
            return;
        stopped_ = true;
        std::error_code ignored;
        acceptor_.close(ignored);
        for (const auto& session : snapshot(sessions_))
            session->close();
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
    status["http"] = {{"clients", http.clients},
                      {"requests", http.requests},
                      {"refusedWithoutKey", http.refused},
                      {"partsSent", http.partsSent},
                      {"partsSkipped", http.partsSkipped}};
    return status;
}

HttpStats HttpServer::stats() const
{
    HttpStats stats = totals_;
    stats.clients = static_cast<int>(sessions_.size());
    for (const auto& [key, session] : sessions_)
        stats.streaming += session->streaming() ? 1 : 0;
    return stats;
}

} // namespace pistream
