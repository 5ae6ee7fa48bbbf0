#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "sources/frame_source.h"

namespace pistream::test {

// Runs a source until it delivered `count` frames (or a timeout) and keeps a
// copy of what each frame held, so the source's buffers are released at once.
struct CollectedFrame {
    std::uint64_t sequence = 0;
    std::int64_t captureMicros = 0;
    int width = 0;
    int height = 0;
    PixelFormat format = PixelFormat::Yuv420;
    std::vector<std::uint8_t> bytes; // packed planes, or the JPEG
};

std::vector<CollectedFrame>
collectFrames(FrameSource& source, std::size_t count,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace pistream::test
