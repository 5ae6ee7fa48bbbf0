#include "http/http_router.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "http/byte_range.h"
#include "http/http_page.h"

namespace pistream {

namespace {

HttpResponse html(int status, std::string body)
{
    HttpResponse response;
    response.status = status;
    response.contentType = "text/html; charset=utf-8";
    response.body = std::move(body);
    return response;
}

bool isIndex(const std::string& path)
{
    return path == "/" || path == "/index.html";
}

// A positive decimal id of at most 18 digits, nothing else.
std::optional<std::int64_t> parseId(std::string_view text)
{
    std::int64_t id = 0;
    if (text.empty() || text.size() > 18)
        return std::nullopt;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || ptr != text.data() + text.size() || id <= 0)
        return std::nullopt;
    return id;
}

constexpr std::string_view kEventsPrefix = "/events/";

} // namespace

HttpResponse HttpRouter::route(const HttpRequest& request, const RouteContext& context) const
{
    const auto hosts = std::count_if(request.headers.begin(), request.headers.end(),
                                     [](const auto& header) { return header.first == "host"; });
    if (hosts > 1)
        return textResponse(400, "more than one Host header\n");
    if (!hosts_.allowed(request.header("host")))
        return textResponse(
            421, "this camera answers to its IP address, localhost, names ending in .local, its "
                 "host name and the names given with --http-host, not to the name in this "
                 "request's Host header (a page of another site may be trying DNS rebinding)\n");
    const bool login = request.path == "/login";
    // An address slowed down after wrong keys may not try one now; without a
    // key (the health check, a cookie, the login form itself) it is served.
    const bool offersKey = (login && request.method == "POST") || !request.basicPassword().empty();
    if (offersKey && context.keyWait.count() > 0 && !auth_.open()) {
        const auto seconds = (context.keyWait.count() + 999) / 1000;
        return textResponse(429,
                            "too many wrong keys from this address: try again in " +
                                std::to_string(seconds) + " s\n",
                            "Retry-After: " + std::to_string(seconds) + "\r\n");
    }
    if (login && request.method == "POST")
        return logIn(request, context);
    const bool head = request.method == "HEAD";
    if (request.method != "GET" && !head)
        return textResponse(405, "only GET and HEAD\n", "Allow: GET, HEAD\r\n");
    HttpResponse response;
    if (login) {
        response = html(200, loginPage(false));
    } else if (request.path == "/health") {
        if (context.source.live())
            response = textResponse(200, "ok: " + context.source.text + "\n");
        else
            response = textResponse(503, "source down: " + context.source.text + "\n");
    } else {
        const KeyCheck key = auth_.check(request, context.nowUnix);
        if (key == KeyCheck::Missing || key == KeyCheck::WrongKey) {
            if (isIndex(request.path)) // a person: the login form
                response = textResponse(303, "log in first\n", "Location: login\r\n");
            else // a tool: HTTP Basic
                response = textResponse(
                    401,
                    "this camera needs its pairing key: any user name, the key as password "
                    "(the server's log says where the key file is)\n",
                    "WWW-Authenticate: Basic realm=\"pistream\", charset=\"UTF-8\"\r\n");
        } else {
            response = page(request, context);
        }
        response.key = key;
    }
    response.headOnly = head;
    return response;
}

// POST /login with the form's key: a session cookie, or the form again.
HttpResponse HttpRouter::logIn(const HttpRequest& request, const RouteContext& context) const
{
    HttpResponse response;
    const KeyCheck key = auth_.checkLoginForm(request);
    switch (key) {
    case KeyCheck::NotAsked:
    case KeyCheck::Session:
        response = textResponse(303, "no key needed\n", "Location: ./\r\n");
        break;
    case KeyCheck::Passed:
        response =
            textResponse(303, "logged in\n",
                         auth_.sessionCookie(context.nowUnix, context.secure) + "Location: ./\r\n");
        break;
    case KeyCheck::Missing:
    case KeyCheck::WrongKey:
        response = html(401, loginPage(true));
        break;
    }
    response.key = key;
    return response;
}

// The pages behind the key.
HttpResponse HttpRouter::page(const HttpRequest& request, const RouteContext& context) const
{
    const std::string& path = request.path;
    if (isIndex(path))
        return html(200, std::string(indexPage()));
    if (path == "/stream.mjpg") {
        HttpResponse response;
        response.action = HttpResponse::Action::StreamMjpeg;
        return response;
    }
    if (path == "/snapshot.jpg") {
        const EncodedFramePtr& latest = context.latest;
        if (latest && context.nowMicros - latest->header.captureMicros < kFreshMicros)
            return snapshotResponse(latest, false);
        // Waiting for the next frame makes the pipeline encode one.
        HttpResponse response;
        response.action = HttpResponse::Action::WaitForSnapshot;
        return response;
    }
    if (path == "/api/status") {
        HttpResponse response;
        response.contentType = "application/json";
        response.body = (context.status ? context.status() : nlohmann::json::object())
                            .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                        "\n";
        return response;
    }
    if (path == "/api/events")
        return events(request, context);
    if (path.starts_with(kEventsPrefix))
        return recording(request, context);
    return textResponse(404, "no such page: " + path + "\n");
}

HttpResponse HttpRouter::events(const HttpRequest& request, const RouteContext& context) const
{
    if (!context.events || !context.events->list)
        return textResponse(404, "recording is off (--record)\n");
    std::size_t limit = 20;
    if (const std::string text = request.queryField("limit"); !text.empty()) {
        const auto value = parseId(text);
        if (!value || *value > 100)
            return textResponse(400, "limit must be 1..100\n");
        limit = static_cast<std::size_t>(*value);
    }
    std::optional<std::int64_t> before;
    if (const std::string text = request.queryField("before"); !text.empty()) {
        before = parseId(text);
        if (!before)
            return textResponse(400, "before must be an event id\n");
    }
    HttpResponse response;
    response.contentType = "application/json";
    response.body = context.events->list(limit, before)
                        .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                    "\n";
    return response;
}

// /events/ID/clip.mkv, /events/ID/thumb.jpg or /events/ID/play.mjpg: the file is looked up by the
// event's id in the index; nothing of the request becomes a path.
HttpResponse HttpRouter::recording(const HttpRequest& request, const RouteContext& context) const
{
    const std::string_view rest = std::string_view(request.path).substr(kEventsPrefix.size());
    const auto slash = rest.find('/');
    const auto id = parseId(rest.substr(0, slash));
    const std::string_view name =
        slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    const bool thumbnail = name == "thumb.jpg";
    const bool play = name == "play.mjpg";
    if (!id || (name != "clip.mkv" && !thumbnail && !play))
        return textResponse(404, "no such page: " + request.path + "\n");
    if (!context.events || !context.events->file)
        return textResponse(404, "recording is off (--record)\n");
    const auto file = context.events->file(*id, thumbnail);
    if (!file)
        return textResponse(404, "no such event or file\n");
    HttpResponse response;
    if (play) { // the connection answers 503 when too many replays run
        response.action = HttpResponse::Action::ReplayClip;
        response.filePath = file->path;
        return response;
    }
    response.action = HttpResponse::Action::SendFile;
    response.contentType = thumbnail ? "image/jpeg" : "video/x-matroska";
    response.filePath = file->path;
    response.headers = "Accept-Ranges: bytes\r\n";
    const ByteRange range = parseByteRange(request.header("range"), file->size);
    switch (range.kind) {
    case ByteRange::Kind::Whole:
        response.fileLength = file->size;
        break;
    case ByteRange::Kind::Partial:
        response.status = 206;
        response.fileOffset = range.first;
        response.fileLength = range.length;
        response.headers += "Content-Range: bytes " + std::to_string(range.first) + "-" +
                            std::to_string(range.first + range.length - 1) + "/" +
                            std::to_string(file->size) + "\r\n";
        break;
    case ByteRange::Kind::Unsatisfiable:
        return textResponse(416, "range not satisfiable\n",
                            "Content-Range: bytes */" + std::to_string(file->size) + "\r\n");
    }
    return response;
}

} // namespace pistream
