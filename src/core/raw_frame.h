#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

namespace pistream {

enum class PixelFormat {
    Yuv420, // three planes: Y at full size, U and V at half width and height
    Mjpeg,  // an already compressed JPEG, passed through without re-encoding
    Yuyv,   // packed 4:2:2 (Y0 U Y1 V), as USB webcams deliver it: planes[0] only
};

struct Plane {
    const std::uint8_t* data = nullptr;
    int stride = 0; // bytes from one row to the next, >= the plane's width
};

// One picture as a source delivers it. The pixels are lent, not owned: they may
// live in a camera's dmabuf, a memory-mapped file or a pool buffer. The frame
// is handed around as a FramePtr whose deleter gives the memory back to its
// owner when the last user drops it.
struct RawFrame {
    PixelFormat format = PixelFormat::Yuv420;
    int width = 0;
    int height = 0;
    std::array<Plane, 3> planes{};      // Yuv420; Yuyv uses planes[0]
    std::span<const std::uint8_t> jpeg; // Mjpeg
    std::uint64_t sequence = 0;         // counts every frame the source produced
    std::int64_t captureMicros = 0;     // monotonic clock, see clock.h
};

using FramePtr = std::shared_ptr<const RawFrame>;

// Size of a 4:2:0 chroma plane for a luma dimension (odd sizes round up).
constexpr int chromaSize(int lumaSize)
{
    return (lumaSize + 1) / 2;
}

} // namespace pistream
