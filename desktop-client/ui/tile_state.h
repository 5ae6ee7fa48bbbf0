#pragma once

#include <string>

#include "stream/link_status.h"

namespace pistream {

// What a wall tile says about its camera, drawn over its picture.
struct TileState {
    std::string title;    // the server's name from its hello (escaped), else its address
    std::string state;    // "live", "stalled", "reconnecting", "source down", "wrong key", ...
    std::string detail;   // why, when not live ("" when live)
    bool warning = false; // not live: the state is drawn large, over the picture
    bool motion = false;  // the server says a motion event lasts
};

// A pure function of the pipeline's status: the same status gives the same
// tile. `address`: HOST:PORT as given or found; `keyMissing`: no pairing
// key is known for a camera that needs one, so the tile does not connect.
TileState tileState(const LinkStatus& link, const std::string& address, bool keyMissing = false);

} // namespace pistream
