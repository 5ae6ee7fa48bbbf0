#pragma once

#include "core/byte_buffer.h"
#include "core/raw_frame.h"

namespace pistream {

// A 4:2:0 picture at half width and height for the adaptive ladder's small
// rungs, with libyuv's box filter (each output pixel the mean of a 2x2 block;
// NEON on the Pi). The planes are kept and reused frame after frame, like
// YuyvConverter's; one scaler per thread.
class HalfScaler {
public:
    // Odd sizes round down, never below 1.
    static int halfOf(int size) { return size > 1 ? size / 2 : 1; }

    // The picture at half size, owned by this scaler and valid until the next
    // call; sequence and capture time are copied.
    const RawFrame& half(const RawFrame& yuv420);

private:
    ByteBuffer storage_;
    RawFrame out_;
};

} // namespace pistream
