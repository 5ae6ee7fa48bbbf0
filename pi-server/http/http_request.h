#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace pistream {

// One HTTP/1.x request as the server needs it: method, path (the query and
// fragment stripped) and headers with lower-case names.
struct HttpRequest {
    std::string method;
    std::string path;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; // at most 1 KiB (a login form)

    // The first header with this (lower-case) name, or "".
    std::string header(const std::string& name) const;
    // The password of an "Authorization: Basic ..." header, or "" (no header,
    // another scheme, or not base64 of "user:password").
    std::string basicPassword() const;
    // A cookie's value from the Cookie header, or "".
    std::string cookie(const std::string& name) const;
    // A field of an application/x-www-form-urlencoded body, decoded, or "".
    std::string formField(const std::string& name) const;
};

// Parses a request incrementally with Debian's http-parser (the parser Node.js
// used before llhttp), within caps: at most `maxBytes` in all, at most 64
// headers, and a body of at most 1 KiB with a Content-Length (the login
// form's; chunked or larger bodies are refused rather than read).
class HttpRequestParser {
public:
    enum class State { NeedMore, Complete, Failed };

    explicit HttpRequestParser(std::size_t maxBytes = 8192);
    ~HttpRequestParser();
    HttpRequestParser(const HttpRequestParser&) = delete;
    HttpRequestParser& operator=(const HttpRequestParser&) = delete;

    // Feeds bytes as they arrive. Bytes after a complete request are ignored
    // (every response closes the connection, so nothing is pipelined).
    State feed(std::span<const char> bytes);

    State state() const { return state_; }
    const HttpRequest& request() const { return request_; }
    // When Failed: the status to answer with (400, 413, 431) and why.
    int errorStatus() const { return errorStatus_; }
    const std::string& error() const { return error_; }

private:
    struct Callbacks;
    friend struct Callbacks;
    void fail(int status, std::string why);

    struct Parser;
    std::unique_ptr<Parser> parser_;
    std::size_t maxBytes_;
    std::size_t seen_ = 0;
    State state_ = State::NeedMore;
    HttpRequest request_;
    std::string url_;
    std::string field_;
    bool inValue_ = false;
    int errorStatus_ = 0;
    std::string error_;
};

} // namespace pistream
