#include "ui/picker_layout.h"

#include <algorithm>

#include "core/printable_text.h"

namespace pistream {

namespace {

// Longest name shown: a row is one line, and a LAN may announce anything.
constexpr std::size_t kMaxName = 32;
constexpr std::size_t kMaxNumbered = 9;

std::string keyText(const DiscoveredCamera& camera, const PickerKeys& keys, bool& missing)
{
    missing = false;
    if (camera.txt.keyNeeded == false)
        return "no key needed";
    if (keys.keyGiven)
        return "key given";
    if (keys.hasKey && keys.hasKey(camera))
        return "key stored";
    missing = true; // needed, or not said (an older server): the client would ask for one
    return "needs a key";
}

// The cells of each camera's row, padded so that columns line up.
std::vector<std::string> rowTexts(const std::vector<DiscoveredCamera>& cameras,
                                  const PickerKeys& keys, std::vector<bool>& missing)
{
    std::vector<std::vector<std::string>> cells;
    missing.assign(cameras.size(), false);
    for (std::size_t index = 0; index < cameras.size(); ++index) {
        const DiscoveredCamera& camera = cameras[index];
        const CameraTxt& txt = camera.txt;
        const std::string name = escapeText(camera.service, kMaxName);
        bool keyMissing = false;
        const std::string key = keyText(camera, keys, keyMissing);
        missing[index] = keyMissing;
        cells.push_back({index < kMaxNumbered ? std::to_string(index + 1) : "",
                         name.empty() ? "-" : name, escapeText(camera.endpoint(), 64),
                         txt.width && txt.height
                             ? std::to_string(txt.width) + "x" + std::to_string(txt.height)
                             : "-",
                         txt.fps.empty() ? "- fps" : txt.fps + " fps", key});
    }
    return alignColumns(cells);
}

} // namespace

bool keyMissing(const DiscoveredCamera& camera, const PickerKeys& keys)
{
    bool missing = false;
    keyText(camera, keys, missing);
    return missing;
}

PickerLayout pickerLayout(const std::vector<DiscoveredCamera>& cameras, const PickerKeys& keys,
                          int width, int height, int rowHeight)
{
    PickerLayout layout;
    rowHeight = std::max(1, rowHeight);
    const int margin = rowHeight / 2;
    const int gap = std::max(2, rowHeight / 8); // between rows, so that each reads as a button
    const int rowWidth = std::max(0, width - 2 * margin);
    layout.header = {margin, margin, rowWidth, rowHeight};

    // Header, half a row, the cameras, half a row, All cameras.
    const int space = height - 2 * margin - 3 * rowHeight;
    const auto fit = static_cast<std::size_t>(std::max(0, (space + gap) / (rowHeight + gap)));
    const std::size_t shown = std::min(cameras.size(), fit);
    layout.hidden = cameras.size() - shown;

    std::vector<bool> missing;
    const std::vector<std::string> texts = rowTexts(cameras, keys, missing);
    int y = margin + rowHeight + margin;
    for (std::size_t index = 0; index < shown; ++index) {
        layout.rows.push_back({Rect{margin, y, rowWidth, rowHeight}, texts[index],
                               static_cast<int>(index), missing[index]});
        y += rowHeight + gap;
    }
    y += margin - gap;
    layout.rows.push_back({Rect{margin, y, rowWidth, rowHeight},
                           "a  All cameras: a wall of " + std::to_string(cameras.size()), -1,
                           false});

    if (cameras.empty())
        layout.title = "looking for cameras on the LAN...";
    else
        layout.title = std::to_string(cameras.size()) +
                       " cameras: 1-9 or a click opens one, a all of them, Esc quits";
    if (layout.hidden > 0)
        layout.title += " (" + std::to_string(layout.hidden) + " more below: a taller window)";
    return layout;
}

PickerChoice pickerClick(const PickerLayout& layout, int x, int y)
{
    for (const PickerRow& row : layout.rows) {
        const Rect& r = row.area;
        if (x < r.x || x >= r.x + r.w || y < r.y || y >= r.y + r.h)
            continue;
        if (row.camera < 0)
            return {PickerChoice::Kind::All, 0};
        return {PickerChoice::Kind::Camera, static_cast<std::size_t>(row.camera)};
    }
    return {};
}

PickerChoice pickerKey(const PickerLayout& layout, int key)
{
    if (key == 'a')
        return {PickerChoice::Kind::All, 0};
    if (key < '1' || key > '9')
        return {};
    const auto index = static_cast<std::size_t>(key - '1');
    // The rows less the All row (none before the first layout), and those hidden.
    const std::size_t cameras = (layout.rows.empty() ? 0 : layout.rows.size() - 1) + layout.hidden;
    if (index >= cameras)
        return {};
    return {PickerChoice::Kind::Camera, index};
}

} // namespace pistream
