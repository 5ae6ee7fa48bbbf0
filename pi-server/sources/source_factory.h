#pragma once

#include <memory>
#include <string>

#include "sources/frame_source.h"

namespace pistream {

struct SourceConfig {
    std::string spec = "test"; // test | test:stall-after=N | y4m:PATH | mjpeg:PATH
    int width = 1280;          // the test pattern's size; files have their own
    int height = 720;
    bool sizeGiven = false; // warn when a file's size differs from a requested one
    double fps = 0;         // 0: the source's own rate (30 for test and mjpeg)
};

// Opens the source a spec names. Throws std::runtime_error with one clear line
// for an unknown source, an unreadable or malformed file, or a missing camera.
std::unique_ptr<FrameSource> openSource(const SourceConfig& config);

} // namespace pistream
