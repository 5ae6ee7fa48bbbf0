#pragma once

#include <filesystem>
#include <string>

namespace pistream {

// The window's settings, apart from the window itself so that the options
// parser does not depend on SDL.
struct WindowConfig {
    std::string title; // shown in the title bar, e.g. "raspberrypi.local:8485"
    int width = 0;     // 0: follow the stream's size (at most 1280x720)
    int height = 0;
    bool fullscreen = false;
    bool overlay = true;
    std::string font; // TTF file; empty: DejaVu from fonts-dejavu-core
    std::filesystem::path snapshotDir = ".";
};

} // namespace pistream
