#pragma once

#include "core/byte_buffer.h"
#include "core/raw_frame.h"

namespace pistream {

// YUYV (packed 4:2:2, what most USB webcams deliver uncompressed) to the 4:2:0
// planes the JPEG encoder takes, with libyuv: NEON on the Pi, SSE2/AVX2 on a
// PC. Each chroma sample is the rounded mean of the two rows' samples. The
// planes are kept and reused frame after frame; one converter per thread.
class YuyvConverter {
public:
    // The same picture as 4:2:0 planes owned by this converter, valid until
    // the next call; size, sequence and capture time are copied.
    const RawFrame& toYuv420(const RawFrame& yuyv);

private:
    ByteBuffer storage_;
    RawFrame out_;
};

} // namespace pistream
