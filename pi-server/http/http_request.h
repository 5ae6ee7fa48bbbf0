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
    std::string query; // after '?', undecoded ("" without one)
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body; // at most 1 KiB (a login form)

    // The first header with this (lower-case) name, or "".
    std::string header(const std::string& name) const;
    // The password of an "Authorization: Basic ..." header, or "" (no header,
    // another scheme, or not base64 of "user:password").
    std::string basicPassword() const;
    // Every value of a cookie, from every Cookie header, in order (a browser
    // may send two of the same name, e.g. set for two paths).
    std::vector<std::string> cookies(const std::string& name) const;
    // A field of an application/x-www-form-urlencoded body, decoded, or "".
    std::string formField(const std::string& name) const;
    // A field of the query string, decoded the same way, or "".
    std::string queryField(const std::string& name) const;
};

// Parses a request incrementally with Debian's http-parser (the parser Node.js
// used before llhttp), within caps: at most `maxBytes` in all, at most 64
// headers, and a body of at most 1 KiB with a Content-Length (the login
// form's; chunked or larger bodies are refused rather than read). Only
// HTTP/1.0 and 1.1 (else 505); a header line folded onto the next (obsolete
// line folding, RFC 9112 5.2) is refused with 400; "Expect: 100-continue"
// is answered (continueDue()), any other expectation refused with 417.
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
    // The headers are in, asked for "100 Continue" before the body is sent:
    // true once, then the caller writes "HTTP/1.1 100 Continue".
    bool continueDue();
    const HttpRequest& request() const { return request_; }
    // When Failed: the status to answer with (400, 413, 431) and why.
    int errorStatus() const { return errorStatus_; }
    const std::string& error() const { return error_; }

private:
    struct Callbacks;
    friend struct Callbacks;
    void fail(int status, std::string why);
    // Checks the header block for a line that starts with a space or tab.
    bool folded(std::span<const char> bytes);

    struct Parser;
    std::unique_ptr<Parser> parser_;
    std::size_t maxBytes_;
    std::size_t seen_ = 0;
    State state_ = State::NeedMore;
    HttpRequest request_;
    std::string url_;
    std::string field_;
    bool inValue_ = false;
    bool started_ = false;      // the request line has begun
    bool afterNewline_ = false; // the header block so far ends a line
    bool headerBlockDone_ = false;
    bool continueDue_ = false;
    int errorStatus_ = 0;
    std::string error_;
};

} // namespace pistream
