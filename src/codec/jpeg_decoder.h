#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

#include "codec/jpeg_bands.h"
#include "core/byte_buffer.h"
#include "core/fork_join.h"

namespace pistream {

struct JpegInfo {
    int width = 0;
    int height = 0;
    int subsampling = 0; // TJSAMP_*
};

// Decoded picture as YUV planes in the JPEG's own subsampling (4:2:0 from our
// server; files may carry 4:2:2, 4:4:4 or greyscale). Plane 1 and 2 are empty
// for greyscale.
struct YuvImage {
    JpegInfo info;
    std::array<std::uint8_t*, 3> planes{};
    std::array<int, 3> strides{};
    std::array<int, 3> planeWidths{};
    std::array<int, 3> planeHeights{};
    ByteBuffer storage;
};

// The DCT scaling factors libjpeg-turbo decodes at (1/denominator): scaling
// during the inverse DCT skips most of the work a full decode and a
// downscale afterwards would both do.
inline constexpr int kDecodeScales[] = {1, 2, 4, 8};

// A picture's size decoded at 1/denominator (TJSCALED: rounded up).
inline int scaledSize(int size, int denominator)
{
    return (size + denominator - 1) / denominator;
}

// The smallest decode (largest denominator of kDecodeScales) still at least
// shownWidth x shownHeight, so the screen scales down a little, never up. A
// shown size of 0 (not known yet) decodes at full size.
int decodeScaleFor(int width, int height, int shownWidth, int shownHeight);

// Reads and checks a JPEG's header without decoding it. A JPEG over maxWidth x
// maxHeight is refused before any pixel memory is allocated.
//
// With threads > 1, a JPEG whose restart markers cut it into bands of whole
// MCU rows (pistream-server's strips) is decoded band by band on that many
// threads at once, into the same planes: the same pixels, sooner. Any other
// JPEG is decoded whole.
class JpegDecoder {
public:
    explicit JpegDecoder(int threads = 1);
    ~JpegDecoder();
    JpegDecoder(const JpegDecoder&) = delete;
    JpegDecoder& operator=(const JpegDecoder&) = delete;

    int threads() const { return forkJoin_.threads(); }

    std::error_code readHeader(std::span<const std::uint8_t> jpeg, JpegInfo& info);

    // Validates the header (size within limits), then decodes into out.
    std::error_code decode(std::span<const std::uint8_t> jpeg, int maxWidth, int maxHeight,
                           YuvImage& out);

    // Like decode(), but always yields 4:2:0 planes (what a video texture
    // wants): 4:2:0 JPEGs decode straight to planes, others (4:2:2, 4:4:4,
    // greyscale from pass-through files) go through RGB once. With a
    // denominator of 2, 4 or 8 (kDecodeScales) the picture is decoded at that
    // fraction of its size in the DCT domain (out.info has the decoded size;
    // the limits apply to the JPEG's own size), band by band as at full size.
    std::error_code decodeTo420(std::span<const std::uint8_t> jpeg, int maxWidth, int maxHeight,
                                YuvImage& out, int denominator = 1);

private:
    // Decodes into planes of the JPEG's own subsampling, its header already read.
    std::error_code decodePlanes(std::span<const std::uint8_t> jpeg, const JpegInfo& info,
                                 int maxWidth, int maxHeight, YuvImage& out, int denominator = 1);
    std::error_code decodeBands(const JpegInfo& info, int denominator, YuvImage& out);
    void recover();

    ForkJoin forkJoin_; // first: a bad thread count throws before any handle exists
    void* handle_;
    std::vector<JpegBand> bands_;
    std::vector<void*> bandHandles_; // one TurboJPEG handle per band
    std::vector<char> bandFailed_;
    void* converter_ = nullptr; // TurboJPEG compressor used for RGB -> YUV 4:2:0
    ByteBuffer rgb_;
};

} // namespace pistream
