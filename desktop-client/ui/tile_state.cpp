#include "ui/tile_state.h"

#include "core/printable_text.h"

namespace pistream {

TileState tileState(const LinkStatus& link, const std::string& address, bool keyMissing)
{
    TileState tile;
    tile.title = link.name.empty() ? address : link.name;
    if (keyMissing) {
        tile.state = "no key";
        tile.detail = "pistream-viewer --key KEY " + address;
        tile.warning = true;
        return tile;
    }
    tile.state = nameOf(link.state);
    tile.warning = link.state != LinkState::Live;
    if (tile.warning)
        tile.detail = escapeText(link.detail, 120); // a server's words among ours
    // A camera that is not live shows its last picture: the badge is the
    // server's word, kept only while the connection stands.
    tile.motion =
        link.motion && (link.state == LinkState::Live || link.state == LinkState::Stalled);
    return tile;
}

} // namespace pistream
