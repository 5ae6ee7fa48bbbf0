#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "http/http_auth.h"
#include "http/http_config.h"
#include "http/http_host.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "hub/frame_hub.h"

namespace pistream {

// What a request may be answered from, passed in for each request: the
// router reads no clock and holds no socket.
struct RouteContext {
    SourceStatus source;                    // for /health
    EncodedFramePtr latest;                 // the newest frame, or nullptr, for /snapshot.jpg
    std::int64_t nowMicros = 0;             // monotonic (core/clock.h): is `latest` fresh?
    std::int64_t nowUnix = 0;               // wall clock: session cookies
    bool secure = false;                    // HTTPS: cookies are marked Secure
    std::function<nlohmann::json()> status; // /api/status, called only for it
    // How long this address must wait before it may try the key again (after
    // wrong keys, PeerGuard); meanwhile a request offering a key gets 429.
    std::chrono::milliseconds keyWait{0};
    const EventFiles* events = nullptr; // recordings, when --record is on
};

// Request in, response out (the Asio http/server example's request_handler):
// the pages, the key check in front of them, the login form. Pure, so every
// path and every refusal is tested without a socket. What needs the frame
// hub (a stream, a snapshot to wait for) comes back as the response's action.
//
//   GET /             the live page (without the key: 303 to the login form)
//   GET /login        the login form; POST /login checks it and sets the cookie
//   GET /stream.mjpg  StreamMjpeg
//   GET /snapshot.jpg the newest frame if fresh, else WaitForSnapshot
//   GET /api/status   the status JSON
//   GET /health       200 while the source is live, 503 with the reason if not (no key)
//   GET /api/events?limit=N&before=ID   recorded events, newest first (--record)
//   GET /events/ID/clip.mkv, /events/ID/thumb.jpg   SendFile, with Range (206, 416);
//                     by id only, so no request names a path
//   GET /events/ID/play.mjpg   ReplayClip: the clip as MJPEG at its own pace
//
// Any of them for a name this camera does not answer to (HttpHostCheck) gets
// 421 Misdirected Request: DNS rebinding gets nothing, key or no key.
class HttpRouter {
public:
    // A snapshot may be this old and still count as the newest frame.
    static constexpr std::int64_t kFreshMicros = 500'000;

    // `hosts`: the Host header values answered; others get 421.
    explicit HttpRouter(std::string pairingKey, HttpHostCheck hosts = HttpHostCheck({}))
        : auth_(std::move(pairingKey)), hosts_(std::move(hosts))
    {}

    HttpResponse route(const HttpRequest& request, const RouteContext& context) const;

private:
    HttpResponse logIn(const HttpRequest& request, const RouteContext& context) const;
    HttpResponse page(const HttpRequest& request, const RouteContext& context) const;
    HttpResponse events(const HttpRequest& request, const RouteContext& context) const;
    HttpResponse recording(const HttpRequest& request, const RouteContext& context) const;

    HttpAuth auth_;
    HttpHostCheck hosts_;
};

} // namespace pistream
