#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/http_request.h"
#include "http/http_response.h"

namespace pistream {

// Who may see the pages, decided from the request alone: the pairing key as
// an HTTP Basic password (any user name), as the login form's field, or a
// session cookie the form gave earlier (signed with the key; the server keeps
// no session state). Pure: the time is passed in, nothing is logged.
class HttpAuth {
public:
    static constexpr const char* kCookieName = "pistream_session";
    static constexpr std::int64_t kSessionSeconds = 30 * 24 * 3600; // a month

    // An empty key: everything is open (--insecure).
    explicit HttpAuth(std::string pairingKey) : key_(std::move(pairingKey)) {}

    bool open() const { return key_.empty(); }

    // A page's request: Basic password or session cookie. NotAsked when open.
    KeyCheck check(const HttpRequest& request, std::int64_t nowUnix) const;
    // POST /login: the form's "key" field. NotAsked when open.
    KeyCheck checkLoginForm(const HttpRequest& request) const;
    // The Set-Cookie header line (with "\r\n") a successful login answers
    // with; Secure over HTTPS.
    std::string sessionCookie(std::int64_t nowUnix, bool secure) const;

private:
    std::string key_;
};

} // namespace pistream
