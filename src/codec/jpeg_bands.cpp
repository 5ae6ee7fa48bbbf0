#include "codec/jpeg_bands.h"

#include <algorithm>

namespace pistream {

namespace {

constexpr std::uint8_t kSoi = 0xD8, kEoi = 0xD9, kSos = 0xDA, kDri = 0xDD, kRst0 = 0xD0,
                       kRst7 = 0xD7;

// What splitting needs from the header, all checked against the buffer.
struct Header {
    std::size_t sof = 0;  // the SOF marker
    std::size_t data = 0; // the first byte of entropy-coded data, after SOS
    int width = 0;
    int height = 0;
    int mcuWidth = 0;
    int mcuHeight = 0;
    int restartInterval = 0; // MCUs, 0: none
};

int be16(const std::uint8_t* bytes)
{
    return (bytes[0] << 8) | bytes[1];
}

bool readHeader(std::span<const std::uint8_t> jpeg, Header& header)
{
    if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != kSoi)
        return false;
    int components = 0;
    for (std::size_t at = 2;;) {
        if (at + 4 > jpeg.size() || jpeg[at] != 0xFF)
            return false;
        const std::uint8_t marker = jpeg[at + 1];
        if (marker == 0xFF) { // a fill byte before the marker
            ++at;
            continue;
        }
        const auto length = static_cast<std::size_t>(be16(&jpeg[at + 2]));
        if (length < 2 || length > jpeg.size() - at - 2)
            return false;
        const std::uint8_t* body = &jpeg[at + 4];
        const std::size_t bodyLength = length - 2;
        if (marker == 0xC0 || marker == 0xC1) { // sequential, Huffman-coded
            if (header.sof != 0 || bodyLength < 6)
                return false;
            header.sof = at;
            header.height = be16(body + 1);
            header.width = be16(body + 3);
            components = body[5];
            if (components < 1 || components > 4 ||
                bodyLength < 6 + 3 * static_cast<std::size_t>(components))
                return false;
            int maxH = 1, maxV = 1;
            for (int c = 0; c < components; ++c) {
                const std::uint8_t sampling = body[6 + 3 * c + 1];
                const int h = sampling >> 4, v = sampling & 15;
                if (h < 1 || h > 4 || v < 1 || v > 4)
                    return false;
                maxH = std::max(maxH, h);
                maxV = std::max(maxV, v);
            }
            // A scan of one component has one 8x8 block per MCU, whatever its sampling.
            header.mcuWidth = components == 1 ? 8 : 8 * maxH;
            header.mcuHeight = components == 1 ? 8 : 8 * maxV;
        } else if (marker >= 0xC2 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                   marker != 0xCC) {
            return false; // progressive, lossless or arithmetic-coded: decoded whole
        } else if (marker == kDri) {
            if (bodyLength < 2)
                return false;
            header.restartInterval = be16(body);
        } else if (marker == kSos) {
            // One scan with every component interleaved, as baseline encoders write.
            if (header.sof == 0 || bodyLength < 1 || body[0] != components)
                return false;
            header.data = at + 2 + length;
            return header.width > 0 && header.height > 0;
        } else if (marker == kSoi || marker == kEoi || (marker >= kRst0 && marker <= kRst7)) {
            return false;
        }
        at += 2 + length;
    }
}

} // namespace

bool splitJpegBands(std::span<const std::uint8_t> jpeg, int count, std::vector<JpegBand>& bands)
{
    Header header;
    if (count < 2 || !readHeader(jpeg, header) || header.restartInterval == 0)
        return false;
    const int mcuColumns = (header.width + header.mcuWidth - 1) / header.mcuWidth;
    const int mcuRows = (header.height + header.mcuHeight - 1) / header.mcuHeight;
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
    for (std::size_t at = header.data; at + 1 < jpeg.size(); ++at) {
        if (jpeg[at] != 0xFF)
            continue;
        const std::uint8_t next = jpeg[at + 1];
        if (next == 0xFF)
            continue; // fill bytes before a marker
        if (next == 0x00) {
            ++at; // a stuffed 0xFF data byte
        } else if (next >= kRst0 && next <= kRst7) {
            if (restarts.size() + 1 >= static_cast<std::size_t>(intervals) ||
                next != static_cast<std::uint8_t>(kRst0 + restarts.size() % 8))
                return false;
            restarts.push_back(at++);
        } else if (next == kEoi) {
            end = at;
            break;
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
        band.top = first * rowsPerInterval * header.mcuHeight;
        band.height = std::min(last * rowsPerInterval * header.mcuHeight, header.height) - band.top;

        band.jpeg.clear();
        band.jpeg.reserve(header.data + (stop - start) + 2);
        band.jpeg.append(jpeg.first(header.data));         // every header, the DRI and SOS too
        std::uint8_t* sof = band.jpeg.data() + header.sof; // marker, length, precision, height
        sof[5] = static_cast<std::uint8_t>(band.height >> 8);
        sof[6] = static_cast<std::uint8_t>(band.height);
        band.jpeg.append(jpeg.subspan(start, stop - start));
        for (int i = first; i + 1 < last; ++i) // this band's own RSTs count from RST0
            band.jpeg.data()[header.data + (restarts[static_cast<std::size_t>(i)] - start) + 1] =
                static_cast<std::uint8_t>(kRst0 + (i - first) % 8);
        const std::uint8_t eoi[] = {0xFF, kEoi};
        band.jpeg.append(eoi);
    }
    return true;
}

} // namespace pistream
