#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pistream {

// What the server says about itself on the LAN (mDNS/DNS-SD through Avahi).
struct AnnounceConfig {
    bool enabled = true; // --no-announce turns it off
    std::string name;    // --name; "" for the host name
};

// DNS-SD service types.
inline constexpr const char* kStreamServiceType = "_pistream._tcp";
inline constexpr const char* kHttpServiceType = "_http._tcp";
inline constexpr const char* kHttpsServiceType = "_https._tcp";

// A DNS-SD instance name is at most 63 bytes of UTF-8.
inline constexpr std::size_t kMaxServiceName = 63;

// One announcement: the stream port, and the browser port when it is on.
struct Announcement {
    std::string name;
    std::uint16_t streamPort = 0;
    std::optional<std::uint16_t> httpPort; // nothing: --http off
    bool https = false;                    // the browser port speaks HTTPS
    bool keyNeeded = true;                 // false with --insecure
    bool ipv4Only = false;                 // listening on IPv4 only: no IPv6 records
    unsigned width = 0;
    unsigned height = 0;
    unsigned fpsNumerator = 30;
    unsigned fpsDenominator = 1;
};

// The TXT records of _pistream._tcp, "key=value" each:
//   v=1.1 (the wire protocol's version), name=, size=WxH, fps=, key=yes|no,
//   and with the browser port http=PORT and https=yes|no.
std::vector<std::string> announcementTxt(const Announcement& announcement);

// A frame rate as a short decimal: 30, 29.97, 0.5.
std::string formatFps(unsigned numerator, unsigned denominator);

// Why `name` cannot be a DNS-SD instance name ("" when it can): empty, over
// 63 bytes, control characters or not UTF-8.
std::string serviceNameProblem(const std::string& name);

// This machine's host name (the default --name), "pistream" if it has none.
std::string defaultServiceName();

} // namespace pistream
