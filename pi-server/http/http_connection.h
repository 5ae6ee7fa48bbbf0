#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "core/limited_log.h"
#include "http/clip_replay.h"
#include "http/http_config.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "http/http_router.h"
#include "http/mjpeg_stream.h"
#include "hub/frame_hub.h"
#include "net/stream_socket.h"

namespace pistream {

// One browser connection (the Asio http/server example's connection): TLS
// when the server has a certificate, the deadlines, reading one request
// within the caps, and acting on what the HttpRouter answers: a response
// written and the connection closed, an MjpegStream, or a wait on the hub for
// a snapshot. Lives on the io thread, held by the server and by its handlers.
class HttpConnection final : public std::enable_shared_from_this<HttpConnection>,
                             public FrameSubscriber {
public:
    // What every connection shares, owned by the server and outliving them.
    struct Context {
        asio::io_context& io;
        FrameHub& hub;
        const HttpServerConfig& config;
        const HttpRouter& router;
        asio::ssl::context* tls; // HTTPS, or nullptr
        HttpStats& totals;
        std::function<nlohmann::json()> status; // /api/status
        // How long an address must wait before its next key attempt.
        std::function<std::chrono::milliseconds(const asio::ip::address&)> keyWait;
        // The request was read (or will never be): the connection no longer
        // counts as pending for the PeerGuard; `key` says how its key fared.
        std::function<void(const asio::ip::address&, KeyCheck key)> requestEnded;
        // A warning that can come in floods (a wrong key): written through
        // the server's LimitedLog, counted per kind and address.
        std::function<void(const LogKind&, const asio::ip::address&, const std::string& line)>
            warnLimited;
        // Closed: the server forgets it (not from within the call).
        std::function<void(HttpConnection*)> closed;
    };

    HttpConnection(const Context& context, asio::ip::tcp::socket socket,
                   const asio::ip::address& address);
    ~HttpConnection();
    HttpConnection(const HttpConnection&) = delete;
    HttpConnection& operator=(const HttpConnection&) = delete;

    // Handshake (HTTPS), then read the request within the request timeout.
    void start();
    // Answers at once with `response`, reading nothing (over the client cap).
    void refuse(HttpResponse response);
    void close();

    bool streaming() const { return mode_ == Mode::Streaming; }

    // Waiting for a snapshot: the first frame is the answer.
    void onFrame(const EncodedFramePtr& frame) override;

private:
    enum class Mode { Request, Answering, Snapshot, Streaming, Replaying, Lingering, Closed };

    void armDeadline(std::chrono::milliseconds after, int status, const char* why);
    void read();
    void act(HttpResponse response);
    void endRequest(KeyCheck key);
    void startStream(const HttpResponse& response);
    // /events/ID/play.mjpg: within the replay cap, the clip as a ClipReplay.
    void startReplay(const HttpResponse& response);
    // A whole response, then close (or linger()). Every buffer lives in the
    // connection until done.
    void answer(HttpResponse response, bool linger = false);
    // A recording: the head, then the file in 64 KiB chunks, each read (pread:
    // a local file, at most 64 KiB, so the io thread is held briefly) when the
    // socket has taken the last, within the stall timeout.
    void sendFile(HttpResponse response);
    void sendChunk();
    // "100 Continue", then on with the request.
    void sendContinue();
    // After answering a request not read to its end: the write side shut,
    // what the peer still sends read and dropped (within bounds), then close.
    void linger();
    void drain();
    std::string remote() const;

    const Context& context_;
    asio::ip::address address_;
    FrameHub::Subscription subscription_; // waiting for a snapshot
    StreamSocket socket_;
    asio::steady_timer deadline_;
    HttpRequestParser parser_;
    std::array<char, 2048> buffer_{};
    MjpegStream stream_;
    ClipReplay replay_;
    bool replayCounted_ = false; // in totals.replaying
    Mode mode_ = Mode::Request;
    bool pending_ = true;     // counted by the PeerGuard until the request is read
    bool head_ = false;       // a HEAD request: heads only
    std::size_t drained_ = 0; // bytes dropped while lingering
    std::string headText_;
    HttpResponse response_; // while it is written
    int file_ = -1;         // SendFile: the recording being sent
    std::uint64_t fileOffset_ = 0;
    std::uint64_t fileLeft_ = 0;
    std::vector<std::uint8_t> chunk_;
};

} // namespace pistream
