#pragma once

#include <chrono>
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

// How long the wall waits after drawing before it draws again: three
// quarters of the fastest camera's frame interval (fps: frames per second, 0
// when not known yet), within 8 to 25 ms. Each tile then still shows every
// frame (a frame may come a few ms early), while four cameras at 30 fps,
// whose frames arrive at unrelated times, make it draw at most 40 times a
// second instead of up to 120.
std::chrono::milliseconds wallRenderGap(double fastestFps);

} // namespace pistream
