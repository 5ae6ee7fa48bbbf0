#pragma once

#include "core/byte_buffer.h"
#include "core/raw_frame.h"

namespace pistream {

// YUV 4:2:0 planes straight into a baseline JPEG with TurboJPEG: no RGB round
// trip, the planes' strides honoured, the output buffer reused across frames.
// A TurboJPEG handle is not thread-safe: one encoder per thread.
class JpegEncoder {
public:
    explicit JpegEncoder(int quality);
    ~JpegEncoder();
    JpegEncoder(const JpegEncoder&) = delete;
    JpegEncoder& operator=(const JpegEncoder&) = delete;

    // Encodes a Yuv420 frame into out (resized to the JPEG). Throws
    // std::runtime_error only on a TurboJPEG failure, which means a bug.
    void encode(const RawFrame& frame, ByteBuffer& out);

    int quality() const { return quality_; }
    void setQuality(int quality);

private:
    // TurboJPEG reads 4:2:0 luma padded to even width and height: for odd
    // sizes that would read outside the picture, so the luma plane is copied
    // into lumaScratch_ with its last column and row repeated.
    const RawFrame& evenLuma(const RawFrame& frame, RawFrame& padded);

    void* handle_;
    int quality_;
    ByteBuffer lumaScratch_;
};

} // namespace pistream
