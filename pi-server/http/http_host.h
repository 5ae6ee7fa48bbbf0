#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pistream {

// Which Host header values the HTTP port answers, against DNS rebinding: a
// web page from evil.example whose name is made to resolve to the camera's
// address sends "Host: evil.example", and must get nothing from the camera's
// pages (with --insecure nothing else would stop it). Let in: IP literals
// (203.0.113.7, [fe80::1]), "localhost", any name under .local (mDNS names
// are only ever this network's), the machine's own host name(s), and the
// names given with --http-host; each with or without a port. Pure: the names
// are passed in.
class HttpHostCheck {
public:
    // `names`: besides the above, e.g. "camera.example.org"; case and a
    // trailing dot do not matter.
    explicit HttpHostCheck(std::vector<std::string> names);

    // A request without a Host header is let in (HTTP/1.0 tools; browsers
    // always send one, so it is no rebinding).
    bool allowed(std::string_view host) const;

    const std::vector<std::string>& names() const { return names_; }

private:
    std::vector<std::string> names_; // lower case, no trailing dot
};

// This machine's host name as gethostname() gives it, and, if that has dots,
// its first label too: the names a browser on this network may use.
std::vector<std::string> ownHostNames();

} // namespace pistream
