#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "discovery/camera_list.h"
#include "ui/letterbox.h"

namespace pistream {

// One line of the camera picker: a camera, or the button that opens the
// wall of them all.
struct PickerRow {
    Rect area;               // where it is drawn, and where a click picks it
    std::string text;        // what it says; peer text escaped
    int camera = -1;         // its index in the cameras, or -1: "All cameras"
    bool keyMissing = false; // needs a pairing key this viewer has not got
};

// The picker drawn in a window: a title line, a row per camera that fits,
// then "All cameras".
struct PickerLayout {
    Rect header;
    std::string title;
    std::vector<PickerRow> rows; // cameras in order, then the All row (always)
    std::size_t hidden = 0;      // cameras that did not fit the window
};

// What the user picked: a camera, all of them, or nothing (yet).
struct PickerChoice {
    enum class Kind { None, Camera, All };
    Kind kind = Kind::None;
    std::size_t camera = 0; // with Kind::Camera
};

// How the key column reads, and whether a camera can be opened: `hasKey`
// says whether a key is stored for it, `keyGiven` whether --key or
// --key-file gave one for every camera.
struct PickerKeys {
    KeyLookup hasKey;
    bool keyGiven = false;
};

// Whether a camera asks for a pairing key (or does not say: an older
// server) that neither --key nor the key store has: opening it would fail.
bool keyMissing(const DiscoveredCamera& camera, const PickerKeys& keys);

// Pure: the rows for `cameras` (as browsed: merged and sorted) in a window
// of width x height pixels, rows of `rowHeight` pixels. Columns are padded
// to line up in a monospaced font: number (1-9, the keys that pick them),
// name, ADDRESS:PORT, size, fps and the key's state. Rows that do not fit
// are left out and counted in `hidden`; the All row is always there.
PickerLayout pickerLayout(const std::vector<DiscoveredCamera>& cameras, const PickerKeys& keys,
                          int width, int height, int rowHeight);

// The row under (x, y) in the renderer's pixels.
PickerChoice pickerClick(const PickerLayout& layout, int x, int y);

// A key (its character): '1'-'9' picks that camera if there are that many,
// shown or not; 'a' all of them.
PickerChoice pickerKey(const PickerLayout& layout, int key);

} // namespace pistream
