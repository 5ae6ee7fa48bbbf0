#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/encoded_frame.h"

namespace pistream {

// How a request's pairing key fared, for the stats and for PeerGuard: only
// WrongKey counts as a failed attempt, so a browser that has not logged in yet
// is never slowed down.
enum class KeyCheck {
    NotAsked, // no key needed: /health, /login's form, or --insecure
    Passed,   // the right key, as a Basic password or in the login form
    Session,  // a valid session cookie: let in, but no attempt at the key
    Missing,  // none offered (no Authorization header, an empty password, no valid cookie)
    WrongKey, // a key was offered and it was not this camera's
};

// What the router decided, as data: the connection acts on it. Send answers
// with the body (or the frame's JPEG) and closes; StreamMjpeg and
// WaitForSnapshot hand the connection to the frame hub.
struct HttpResponse {
    enum class Action {
        Send,            // status, headers and body (or frame), then close
        StreamMjpeg,     // multipart/x-mixed-replace of the newest frames until the peer goes
        WaitForSnapshot, // the next frame as a snapshot, or 503 after the snapshot timeout
        SendFile,        // status and headers, then fileLength bytes of filePath from fileOffset
        ReplayClip,      // the clip at filePath as multipart/x-mixed-replace at its own pace
    };

    Action action = Action::Send;
    int status = 200;
    std::string contentType = "text/plain";
    std::string headers; // extra header lines, each ending in "\r\n"
    std::string body;
    EncodedFramePtr frame; // when set, its JPEG is the body
    std::string filePath;  // SendFile, ReplayClip: a recording, read as the socket takes it
    std::uint64_t fileOffset = 0;
    std::uint64_t fileLength = 0;
    bool headOnly = false; // HEAD: the head without the body
    KeyCheck key = KeyCheck::NotAsked;

    // The status line and headers, with a Content-Length for the body or frame.
    std::string head() const;
};

// The standard phrase for the statuses the server uses, "Error" otherwise.
const char* reasonPhrase(int status);

// A response head: status line, Server, Content-Type, Content-Length (unless
// `length` is std::string::npos), no caching, no sniffing, Connection: close,
// then `extra` header lines, then the blank line.
std::string responseHead(int status, std::string_view contentType, std::size_t length,
                         std::string_view extra = {});

// A plain-text answer: `body` should end with a newline.
HttpResponse textResponse(int status, std::string body, std::string headers = {});

// A snapshot of `frame` (its JPEG as the body), for GET or HEAD.
HttpResponse snapshotResponse(EncodedFramePtr frame, bool headOnly);

} // namespace pistream
