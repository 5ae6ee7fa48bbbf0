// Decoding a JPEG band by band on several threads, on hostile JPEGs. Checked:
// the bands tile the picture the header describes, they are no bigger than
// the input plus a header each, and whenever both the banded and the whole
// decode succeed they give the same pixels.

#include <cstdlib>

#include "codec/jpeg_bands.h"
#include "codec/jpeg_decoder.h"

namespace {

constexpr int kMaxSide = 256;

pistream::JpegDecoder whole;
pistream::JpegDecoder banded(3);

std::vector<std::uint8_t> pixels(const pistream::YuvImage& image)
{
    std::vector<std::uint8_t> out;
    for (std::size_t plane = 0; plane < 3; ++plane)
        for (int row = 0; row < image.planeHeights[plane]; ++row) {
            const std::uint8_t* start = image.planes[plane] + row * image.strides[plane];
            out.insert(out.end(), start, start + image.planeWidths[plane]);
        }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> jpeg(data, size);
    std::vector<pistream::JpegBand> bands;
    if (pistream::splitJpegBands(jpeg, 3, bands)) {
        if (bands.empty() || bands.size() > 3)
            std::abort();
        int rows = 0;
        for (const auto& band : bands) {
            if (band.top != rows || band.height <= 0 || band.jpeg.size() > 2 * size + 2)
                std::abort(); // a gap, an overlap, or more than a header's worth of growth
            rows += band.height;
        }
    }
    pistream::YuvImage a, b;
    const auto errorA = whole.decode(jpeg, kMaxSide, kMaxSide, a);
    const auto errorB = banded.decode(jpeg, kMaxSide, kMaxSide, b);
    if (!errorA && !errorB && pixels(a) != pixels(b))
        std::abort();
    return 0;
}
