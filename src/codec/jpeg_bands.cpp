#include "codec/jpeg_bands.h"

#include <algorithm>

#include "codec/jpeg_syntax.h"

namespace pistream {

bool splitJpegBands(std::span<const std::uint8_t> jpeg, int count, std::vector<JpegBand>& bands)
{
    // Sequential and Huffman-coded (SOF0, SOF1), in one scan of every component
    // interleaved, as baseline encoders write; anything else is decoded whole.
    JpegMarkerReader reader(jpeg);
    JpegHeader header;
    if (count < 2 || readJpegHeader(reader, header) != JpegSyntaxError::None ||
        (header.sofMarker != jpeg_marker::kSof0 && header.sofMarker != jpeg_marker::kSof1) ||
        header.scanComponents != header.components || header.restartInterval == 0)
        return false;
    const int mcuWidth = header.mcuWidth(), mcuHeight = header.mcuHeight();
    const int mcuColumns = (header.width + mcuWidth - 1) / mcuWidth;
    const int mcuRows = (header.height + mcuHeight - 1) / mcuHeight;
    if (header.restartInterval % mcuColumns != 0)
        return false; // intervals that end mid-row cannot be bands
    const int rowsPerInterval = header.restartInterval / mcuColumns;
    const int intervals = (mcuRows + rowsPerInterval - 1) / rowsPerInterval;
    if (intervals < 2)
        return false;

    // The restart markers, each where the JPEG says, in order; the scan ends at EOI.
    std::vector<std::size_t> restarts; // offset of each RSTn's 0xFF
    restarts.reserve(static_cast<std::size_t>(intervals - 1));
    std::size_t end = 0;
    JpegSegment segment;
    while (end == 0 && reader.next(segment)) { // on from the scan's first byte
        if (jpeg_marker::isRestart(segment.marker)) {
            if (restarts.size() + 1 >= static_cast<std::size_t>(intervals) ||
                segment.marker !=
                    static_cast<std::uint8_t>(jpeg_marker::kRst0 + restarts.size() % 8))
                return false;
            restarts.push_back(segment.offset);
        } else if (segment.marker == jpeg_marker::kEoi) {
            end = segment.offset;
        } else {
            return false; // another scan, a DNL...: decoded whole
        }
    }
    if (end == 0 || restarts.size() + 1 != static_cast<std::size_t>(intervals))
        return false;

    const int perBand = (intervals + count - 1) / count;
    const int bandCount = (intervals + perBand - 1) / perBand;
    bands.resize(static_cast<std::size_t>(bandCount));
    for (int b = 0; b < bandCount; ++b) {
        const int first = b * perBand;
        const int last = std::min(first + perBand, intervals); // intervals [first, last)
        const std::size_t start =
            first == 0 ? header.data : restarts[static_cast<std::size_t>(first - 1)] + 2;
        const std::size_t stop =
            last == intervals ? end : restarts[static_cast<std::size_t>(last - 1)];
        JpegBand& band = bands[static_cast<std::size_t>(b)];
        band.width = header.width;
        band.top = first * rowsPerInterval * mcuHeight;
        band.height = std::min(last * rowsPerInterval * mcuHeight, header.height) - band.top;

        band.jpeg.clear();
        band.jpeg.reserve(header.data + (stop - start) + 2);
        band.jpeg.append(jpeg.first(header.data));         // every header, the DRI and SOS too
        std::uint8_t* sof = band.jpeg.data() + header.sof; // marker, length, precision, height
        sof[5] = static_cast<std::uint8_t>(band.height >> 8);
        sof[6] = static_cast<std::uint8_t>(band.height);
        band.jpeg.append(jpeg.subspan(start, stop - start));
        for (int i = first; i + 1 < last; ++i) // this band's own RSTs count from RST0
            band.jpeg.data()[header.data + (restarts[static_cast<std::size_t>(i)] - start) + 1] =
                static_cast<std::uint8_t>(jpeg_marker::kRst0 + (i - first) % 8);
        const std::uint8_t eoi[] = {0xFF, jpeg_marker::kEoi};
        band.jpeg.append(eoi);
    }
    return true;
}

} // namespace pistream
