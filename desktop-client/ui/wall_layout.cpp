#include "ui/wall_layout.h"

#include <algorithm>

namespace pistream {

WallGrid wallLayout(std::size_t count, int width, int height, int aspectWidth, int aspectHeight)
{
    WallGrid grid;
    if (count == 0 || width <= 0 || height <= 0 || aspectWidth <= 0 || aspectHeight <= 0)
        return grid;
    const int tiles = static_cast<int>(count);
    long long best = -1;
    for (int columns = 1; columns <= tiles; ++columns) {
        const int rows = (tiles + columns - 1) / columns;
        const int tileWidth = width / columns;
        const int tileHeight = height / rows;
        const Rect shown = letterbox(tileWidth, tileHeight, aspectWidth, aspectHeight);
        const long long area = static_cast<long long>(shown.w) * shown.h;
        // Ties go to fewer columns: a taller grid of the same tile size
        // leaves fewer empty cells in its last row.
        if (area > best) {
            best = area;
            grid.columns = columns;
            grid.rows = rows;
        }
    }
    const int tileWidth = width / grid.columns;
    const int tileHeight = height / grid.rows;
    // The grid is centred; the pixels a division leaves over are margins.
    const int left = (width - tileWidth * grid.columns) / 2;
    const int top = (height - tileHeight * grid.rows) / 2;
    grid.tiles.reserve(count);
    for (int index = 0; index < tiles; ++index) {
        const int column = index % grid.columns;
        const int row = index / grid.columns;
        grid.tiles.push_back(
            {left + column * tileWidth, top + row * tileHeight, tileWidth, tileHeight});
    }
    return grid;
}

int tileAt(const WallGrid& grid, int x, int y)
{
    for (std::size_t index = 0; index < grid.tiles.size(); ++index) {
        const Rect& tile = grid.tiles[index];
        if (x >= tile.x && x < tile.x + tile.w && y >= tile.y && y < tile.y + tile.h)
            return static_cast<int>(index);
    }
    return -1;
}

std::chrono::milliseconds wallRenderGap(double fastestFps)
{
    constexpr double kShortest = 8, kLongest = 25; // ms
    if (!(fastestFps > 0))
        return std::chrono::milliseconds(static_cast<int>(kLongest));
    const double gap = std::clamp(750 / fastestFps, kShortest, kLongest);
    return std::chrono::milliseconds(static_cast<int>(gap));
}

} // namespace pistream
