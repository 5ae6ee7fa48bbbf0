// The JPEG marker reader and what is built on it, on hostile JPEGs. Checked:
// every segment the reader yields lies inside the input, in order, where the
// bytes say; findJpegEnd and readJpegHeader agree with the walk and with
// TurboJPEG's own header reading; the band splitter's bands tile the picture
// the header describes and are no bigger than the input plus a header each;
// and whenever both the banded and the whole decode succeed they give the
// same pixels.

#include <cstdlib>

#include "codec/jpeg_bands.h"
#include "codec/jpeg_decoder.h"
#include "codec/jpeg_syntax.h"

namespace {

constexpr int kMaxSide = 256;

pistream::JpegDecoder whole;
pistream::JpegDecoder banded(3);

void check(bool condition)
{
    if (!condition)
        std::abort();
}

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

// Walks every marker; returns the end of the EOI, or 0 if the walk failed.
std::size_t walk(std::span<const std::uint8_t> jpeg)
{
    using namespace pistream;
    JpegMarkerReader reader(jpeg);
    JpegSegment segment;
    std::size_t previousEnd = 0, count = 0;
    std::uint8_t last = 0;
    while (reader.next(segment)) {
        check(count > 0 || (segment.marker == jpeg_marker::kSoi && segment.offset == 0));
        check(segment.offset >= previousEnd && segment.end() <= jpeg.size());
        check(jpeg[segment.offset] == 0xFF && jpeg[segment.offset + 1] == segment.marker);
        check(segment.length == 0
                  ? segment.payload.empty()
                  : segment.length >= 2 && segment.payload.data() == &jpeg[segment.offset] + 4 &&
                        segment.payload.size() == segment.length - 2);
        check(reader.position() == segment.end());
        previousEnd = segment.end();
        last = segment.marker;
        ++count;
    }
    const bool ended = reader.error() == JpegSyntaxError::None;
    check(ended == (count > 0 && last == jpeg_marker::kEoi));
    check(!reader.next(segment)); // stays stopped
    return ended ? reader.position() : 0;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace pistream;
    const std::span<const std::uint8_t> jpeg(data, size);

    const std::size_t end = walk(jpeg);
    const auto found = findJpegEnd(jpeg);
    check(found ? *found == end && end > 0 : end == 0);

    JpegHeader header;
    const bool headerOk = readJpegHeader(jpeg, header) == JpegSyntaxError::None;
    if (headerOk) {
        check(header.sof < header.sos && header.sos < header.data && header.data <= size);
        check(jpeg_marker::isFrameHeader(jpeg[header.sof + 1]) && jpeg[header.sos + 1] == 0xDA);
        check(header.width > 0 && header.height > 0);
        check(header.mcuWidth() >= 8 && header.mcuWidth() <= 32 && header.mcuHeight() >= 8 &&
              header.mcuHeight() <= 32);
    }
    JpegInfo info;
    if (!whole.readHeader(jpeg, info)) // TurboJPEG read it: so did we, the same size
        check(headerOk && info.width == header.width && info.height == header.height);

    std::vector<JpegBand> bands;
    if (splitJpegBands(jpeg, 3, bands)) {
        check(headerOk && end > 0 && !bands.empty() && bands.size() <= 3);
        int rows = 0;
        for (const auto& band : bands) {
            // no gap, no overlap, no more than a header's worth of growth
            check(band.top == rows && band.height > 0 && band.jpeg.size() <= 2 * size + 2);
            rows += band.height;
        }
        check(rows == header.height);
    }
    YuvImage a, b;
    const auto errorA = whole.decode(jpeg, kMaxSide, kMaxSide, a);
    const auto errorB = banded.decode(jpeg, kMaxSide, kMaxSide, b);
    check(errorA || errorB || pixels(a) == pixels(b));
    return 0;
}
