#include "http/http_request.h"

#include <algorithm>
#include <cctype>
#include <http_parser.h>
#include <openssl/evp.h>
#include <strings.h>
#include <utility>

#include <climits>

namespace pistream {

namespace {

constexpr std::size_t kMaxHeaders = 64;
constexpr std::uint64_t kMaxBody = 1024; // a login form's key, not uploads

} // namespace

std::string HttpRequest::header(const std::string& name) const
{
    for (const auto& [key, value] : headers)
        if (key == name)
            return value;
    return {};
}

std::string HttpRequest::basicPassword() const
{
    const std::string value = header("authorization");
    if (value.size() < 6 || strncasecmp(value.c_str(), "basic ", 6) != 0)
        return {};
    std::string encoded = value.substr(6);
    while (!encoded.empty() && encoded.back() == ' ')
        encoded.pop_back();
    if (encoded.empty() || encoded.size() % 4 != 0 || encoded.size() > 1024)
        return {};
    std::string decoded(encoded.size() / 4 * 3, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                       reinterpret_cast<const unsigned char*>(encoded.data()),
                                       static_cast<int>(encoded.size()));
    if (length < 0)
        return {};
    // EVP_DecodeBlock counts the bytes the '=' padding stands for.
    std::size_t size = static_cast<std::size_t>(length);
    for (auto it = encoded.rbegin(); it != encoded.rend() && *it == '=' && size > 0; ++it)
        --size;
    decoded.resize(size);
    const auto colon = decoded.find(':');
    return colon == std::string::npos ? std::string() : decoded.substr(colon + 1);
}

std::vector<std::string> HttpRequest::cookies(const std::string& name) const
{
    std::vector<std::string> values;
    for (const auto& [key, cookies] : headers) {
        if (key != "cookie")
            continue;
        std::size_t at = 0;
        while (at < cookies.size()) {
            while (at < cookies.size() && (cookies[at] == ' ' || cookies[at] == ';'))
                ++at;
            const auto end = std::min(cookies.find(';', at), cookies.size());
            const auto equals = cookies.find('=', at);
            if (equals < end && equals - at == name.size() &&
                cookies.compare(at, equals - at, name) == 0)
                values.push_back(cookies.substr(equals + 1, end - equals - 1));
            at = end;
        }
    }
    return values;
}

namespace {

// application/x-www-form-urlencoded: name=value&..., '+' for space, %XX.
std::string urlencodedField(const std::string& text, const std::string& name)
{
    std::size_t at = 0;
    while (at <= text.size()) {
        const auto end = std::min(text.find('&', at), text.size());
        const auto equals = text.find('=', at);
        if (equals < end && text.compare(at, equals - at, name) == 0) {
            std::string value;
            for (std::size_t i = equals + 1; i < end; ++i) {
                if (text[i] == '+') {
                    value += ' ';
                } else if (text[i] == '%' && i + 2 < end &&
                           std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
                           std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
                    value += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
                    i += 2;
                } else {
                    value += text[i];
                }
            }
            return value;
        }
        at = end + 1;
    }
    return {};
}

} // namespace

std::string HttpRequest::formField(const std::string& name) const
{
    return urlencodedField(body, name);
}

std::string HttpRequest::queryField(const std::string& name) const
{
    return urlencodedField(query, name);
}

struct HttpRequestParser::Parser {
    http_parser parser{};
    http_parser_settings settings{};
};

// http-parser calls back with pieces of the URL, header names and values; a
// piece may arrive in several calls when it straddles two reads.
struct HttpRequestParser::Callbacks {
    static HttpRequestParser& self(http_parser* parser)
    {
        return *static_cast<HttpRequestParser*>(parser->data);
    }
    static int onUrl(http_parser* parser, const char* at, std::size_t length)
    {
        self(parser).url_.append(at, length);
        return 0;
    }
    static int onHeaderField(http_parser* parser, const char* at, std::size_t length)
    {
        HttpRequestParser& p = self(parser);
        if (p.inValue_ || p.request_.headers.empty()) {
            if (p.request_.headers.size() == kMaxHeaders) {
                p.fail(431, "more than 64 headers");
                return 1;
            }
            p.request_.headers.emplace_back();
            p.inValue_ = false;
        }
        std::string& name = p.request_.headers.back().first;
        for (std::size_t i = 0; i < length; ++i)
            name += static_cast<char>(std::tolower(static_cast<unsigned char>(at[i])));
        return 0;
    }
    static int onHeaderValue(http_parser* parser, const char* at, std::size_t length)
    {
        HttpRequestParser& p = self(parser);
        p.inValue_ = true;
        p.request_.headers.back().second.append(at, length);
        return 0;
    }
    static int onHeadersComplete(http_parser* parser)
    {
        HttpRequestParser& p = self(parser);
        if (parser->http_major != 1 || parser->http_minor > 1) {
            p.fail(505, "only HTTP/1.0 and HTTP/1.1 are spoken here");
            http_parser_pause(parser, 1);
            return 0;
        }
        p.request_.method = http_method_str(static_cast<http_method>(parser->method));
        http_parser_url url{};
        http_parser_url_init(&url);
        if (http_parser_parse_url(p.url_.data(), p.url_.size(), 0, &url) != 0 ||
            !(url.field_set & (1 << UF_PATH))) {
            p.fail(400, "malformed request target");
            http_parser_pause(parser, 1);
            return 0;
        }
        p.request_.path = p.url_.substr(url.field_data[UF_PATH].off, url.field_data[UF_PATH].len);
        if (url.field_set & (1 << UF_QUERY))
            p.request_.query =
                p.url_.substr(url.field_data[UF_QUERY].off, url.field_data[UF_QUERY].len);
        if ((parser->flags & F_CHUNKED) ||
            (parser->content_length != ULLONG_MAX && parser->content_length > kMaxBody)) {
            p.fail(413, "request bodies over 1 KiB (or chunked) are not accepted");
            http_parser_pause(parser, 1);
            return 0;
        }
        const std::string expect = p.request_.header("expect");
        if (!expect.empty()) {
            if (strcasecmp(expect.c_str(), "100-continue") != 0) {
                p.fail(417, "the only expectation met here is 100-continue");
                http_parser_pause(parser, 1);
                return 0;
            }
            // HTTP/1.0 clients are never sent a 100 (RFC 9110 10.1.1).
            p.continueDue_ = parser->http_minor == 1 && parser->content_length != ULLONG_MAX &&
                             parser->content_length > 0;
        }
        return 0;
    }
    static int onBody(http_parser* parser, const char* at, std::size_t length)
    {
        self(parser).request_.body.append(at, length);
        return 0;
    }
    static int onMessageComplete(http_parser* parser)
    {
        HttpRequestParser& p = self(parser);
        if (p.state_ == State::NeedMore) // not already refused in onHeadersComplete
            p.state_ = State::Complete;
        http_parser_pause(parser, 1); // ignore whatever follows
        return 0;
    }
};

HttpRequestParser::HttpRequestParser(std::size_t maxBytes)
    : parser_(std::make_unique<Parser>()), maxBytes_(maxBytes)
{
    http_parser_init(&parser_->parser, HTTP_REQUEST);
    parser_->parser.data = this;
    http_parser_settings_init(&parser_->settings);
    parser_->settings.on_url = &Callbacks::onUrl;
    parser_->settings.on_header_field = &Callbacks::onHeaderField;
    parser_->settings.on_header_value = &Callbacks::onHeaderValue;
    parser_->settings.on_headers_complete = &Callbacks::onHeadersComplete;
    parser_->settings.on_body = &Callbacks::onBody;
    parser_->settings.on_message_complete = &Callbacks::onMessageComplete;
}

HttpRequestParser::~HttpRequestParser() = default;

void HttpRequestParser::fail(int status, std::string why)
{
    state_ = State::Failed;
    errorStatus_ = status;
    error_ = std::move(why);
}

bool HttpRequestParser::continueDue()
{
    return std::exchange(continueDue_, false) && state_ == State::NeedMore;
}

bool HttpRequestParser::folded(std::span<const char> bytes)
{
    // RFC 9112 5.2: a line of the header block that starts with a space or
    // tab is refused. The blank line ends the block (a body is not checked).
    // Empty lines before the request line are not that blank line.
    for (const char c : bytes) {
        if (headerBlockDone_)
            return false;
        if (afterNewline_ && started_) {
            if (c == ' ' || c == '\t')
                return true;
            if (c == '\r' || c == '\n') {
                headerBlockDone_ = true;
                continue;
            }
        }
        if (c != '\r' && c != '\n')
            started_ = true;
        afterNewline_ = c == '\n';
    }
    return false;
}

HttpRequestParser::State HttpRequestParser::feed(std::span<const char> bytes)
{
    if (state_ != State::NeedMore)
        return state_;
    // Only as much as the cap allows is parsed: a request line or header
    // block that goes past it fails without being buffered.
    const std::size_t room = maxBytes_ - seen_;
    const std::size_t take = std::min(room, bytes.size());
    if (folded(bytes.first(take))) {
        fail(400, "a header line starts with white space (obsolete line folding)");
        return state_;
    }
    seen_ += take;
    const std::size_t parsed =
        http_parser_execute(&parser_->parser, &parser_->settings, bytes.data(), take);
    if (state_ != State::NeedMore)
        return state_;
    const auto error = HTTP_PARSER_ERRNO(&parser_->parser);
    if (error != HPE_OK && error != HPE_PAUSED) {
        fail(400, http_errno_description(error));
    } else if (parsed < take) {
        fail(400, "malformed request");
    } else if (take < bytes.size() || seen_ == maxBytes_) {
        fail(431, "request line and headers longer than " + std::to_string(maxBytes_) + " bytes");
    }
    return state_;
}

} // namespace pistream
