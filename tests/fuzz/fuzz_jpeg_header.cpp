// JPEG header validation before decode, on hostile JPEGs. Checked: a header
// that reads has a sane size; a picture over the limits is refused before
// any pixel memory is allocated; what decodes has planes of the header's size.

#include <cstdlib>

#include "codec/jpeg_decoder.h"

namespace {

constexpr int kMaxWidth = 256;
constexpr int kMaxHeight = 256;

pistream::JpegDecoder decoder;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> jpeg(data, size);
    pistream::JpegInfo info;
    const bool headerOk = !decoder.readHeader(jpeg, info);
    if (headerOk &&
        (info.width <= 0 || info.height <= 0 || info.width > 65535 || info.height > 65535))
        std::abort();
    pistream::YuvImage image;
    const auto error = decoder.decodeTo420(jpeg, kMaxWidth, kMaxHeight, image);
    if (!headerOk && !error)
        std::abort(); // decoded what has no valid header
    if (headerOk && (info.width > kMaxWidth || info.height > kMaxHeight)) {
        if (!error || image.storage.capacity() != 0)
            std::abort(); // too big, yet decoded or allocated
    }
    // Luma planes are the picture's size, rounded up to even for 4:2:0.
    if (!error && (image.info.width != info.width || image.info.height != info.height ||
                   image.planeWidths[0] < info.width || image.planeWidths[0] > info.width + 1 ||
                   image.planeHeights[0] < info.height || image.planeHeights[0] > info.height + 1))
        std::abort();
    return 0;
}
