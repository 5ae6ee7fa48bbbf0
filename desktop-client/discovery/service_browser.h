#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "discovery/camera_list.h"

namespace pistream {

// What browsing found, or why it could not browse.
struct BrowseResult {
    std::vector<DiscoveredCamera> cameras; // merged (mergeCameras)
    std::string error;                     // "" when the browse ran
};

// At most this many services are resolved and kept: a LAN announcing
// thousands (a hostile one) costs bounded memory and time.
inline constexpr std::size_t kMaxBrowsedServices = 256;

// Browses the LAN for _pistream._tcp through avahi-daemon (libavahi-client
// on its simple poll, on the calling thread) for `duration` and resolves
// each service found: its host, address, port and TXT records. A service
// that goes away during the browse is dropped. Without avahi-daemon or D-Bus
// the result has an error and no cameras.
BrowseResult browseCameras(std::chrono::milliseconds duration);

} // namespace pistream
