#pragma once

#include <cstddef>
#include <vector>

#include "ui/letterbox.h"

namespace pistream {

// The wall's grid: `count` tiles of one size in a window, row by row.
struct WallGrid {
    int columns = 0;
    int rows = 0;
    std::vector<Rect> tiles; // in order, left to right then top to bottom
};

// Picks the number of columns whose tiles show the largest picture of the
// given aspect ratio (16:9 cameras by default), letterboxed in each tile, and
// cuts the window into that grid. Pure: the same window and count give the
// same grid. No tiles for a count of 0 or an empty window.
WallGrid wallLayout(std::size_t count, int width, int height, int aspectWidth = 16,
                    int aspectHeight = 9);

// The index of the tile under (x, y), or -1 for none.
int tileAt(const WallGrid& grid, int x, int y);

} // namespace pistream
