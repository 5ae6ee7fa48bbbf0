#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pistream {

// What a pistream-server says in its _pistream._tcp TXT records
// (pi-server/discovery/announcement.h). Everything here came from the
// network: each value is capped and checked, and printed escaped.
struct CameraTxt {
    std::string version;                   // v=: the wire protocol's, "1.0"
    std::string name;                      // name=
    unsigned width = 0, height = 0;        // size=WxH; 0 when absent or malformed
    std::string fps;                       // fps=, digits and one dot only
    std::optional<bool> keyNeeded;         // key=yes|no
    std::optional<std::uint16_t> httpPort; // http=
    bool https = false;                    // https=yes
};

// Longest TXT value kept, records read per service.
inline constexpr std::size_t kMaxTxtValue = 255;
inline constexpr std::size_t kMaxTxtRecords = 32;

// Reads "key=value" records; unknown keys, malformed values and records past
// kMaxTxtRecords are ignored.
CameraTxt parseCameraTxt(const std::vector<std::string>& records);

// One camera found on the LAN.
struct DiscoveredCamera {
    std::string service; // the DNS-SD instance name ("Garden", "Garden #2")
    std::string host;    // its mDNS host name, "raspberrypi.local"
    std::string address; // resolved: "192.168.1.20" or "fe80::1%eth0"
    std::uint16_t port = 0;
    bool ipv6 = false;
    CameraTxt txt;
    int interface = -1; // where Avahi saw it (its IfIndex and protocol), to match removals
    int protocol = -1;

    // "ADDRESS:PORT" ("[ADDRESS]:PORT" for IPv6): what the viewer connects to.
    std::string endpoint() const;
    // "HOST:PORT": the name keys are remembered under for a discovered camera.
    std::string hostEndpoint() const;
};

// One entry per service name: the same camera seen on several interfaces or
// over IPv4 and IPv6 is kept once, IPv4 first. Sorted by name.
std::vector<DiscoveredCamera> mergeCameras(std::vector<DiscoveredCamera> found);

// Whether this viewer has a pairing key remembered for a camera.
using KeyLookup = std::function<bool(const DiscoveredCamera&)>;

// Rows of cells as lines whose columns line up (in a monospaced font): each
// cell but the last padded to its column's widest and two spaces.
std::vector<std::string> alignColumns(const std::vector<std::vector<std::string>>& rows);

// A table for people: NAME HOST ADDRESS PORT SIZE FPS KEY, escaped.
std::string formatCameraTable(const std::vector<DiscoveredCamera>& cameras,
                              const KeyLookup& hasKey);
// The --list --json array: [{"name", "service", "host", "address", "port",
// "size", "width", "height", "fps", "key_needed", "key_stored", "version",
// "http_port"}].
nlohmann::json camerasJson(const std::vector<DiscoveredCamera>& cameras, const KeyLookup& hasKey);

} // namespace pistream
