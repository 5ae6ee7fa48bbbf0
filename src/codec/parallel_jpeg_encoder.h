#pragma once

#include <exception>
#include <memory>
#include <vector>

#include "codec/jpeg_encoder.h"
#include "core/fork_join.h"

namespace pistream {

// One JPEG made by several cores at once, for latency: the frame is cut into
// horizontal strips of whole MCU rows (16 lines for 4:2:0), each strip is
// encoded by its own TurboJPEG handle on its own thread, and the strips'
// entropy-coded data are joined under one header with restart markers (a DRI
// segment, then RST0..RST7 between strips). Every baseline decoder reads the
// result, and it decodes to exactly the pixels a one-thread encode gives: the
// 8x8 blocks are the same, only the DC prediction starts afresh at each strip.
//
// With one strip (one thread, or a picture of one MCU row) it is JpegEncoder,
// byte for byte. The calling thread encodes the first strip itself.
class ParallelJpegEncoder {
public:
    ParallelJpegEncoder(int quality, int threads);
    ~ParallelJpegEncoder();
    ParallelJpegEncoder(const ParallelJpegEncoder&) = delete;
    ParallelJpegEncoder& operator=(const ParallelJpegEncoder&) = delete;

    // As JpegEncoder::encode.
    void encode(const RawFrame& frame, ByteBuffer& out);

    int threads() const { return static_cast<int>(strips_.size()); }
    int quality() const { return strips_.front()->encoder.quality(); }
    void setQuality(int quality); // for the next encode: one encoder serves every rung

    // The strips a picture of this size is cut into with `threads` threads.
    static int stripCount(int width, int height, int threads);

private:
    struct Strip {
        explicit Strip(int quality) : encoder(quality) {}
        JpegEncoder encoder;
        ByteBuffer jpeg;
        std::exception_ptr error;
    };

    void join(int count, int restartInterval, int height, ByteBuffer& out);

    std::vector<std::unique_ptr<Strip>> strips_;
    ForkJoin forkJoin_;
};

} // namespace pistream
