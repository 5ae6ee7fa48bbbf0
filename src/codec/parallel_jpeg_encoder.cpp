#include "codec/parallel_jpeg_encoder.h"

#include <algorithm>
#include <stdexcept>

#include "codec/jpeg_syntax.h"

namespace pistream {

namespace {

constexpr int kMcuSize = 16; // 4:2:0: an MCU is 16x16 luma pixels

int mcus(int pixels)
{
    return (pixels + kMcuSize - 1) / kMcuSize;
}

int mcuRowsPerStrip(int height, int count)
{
    return (mcus(height) + count - 1) / count;
}

// Where one of TurboJPEG's own JPEGs has its frame header (SOF) and its scan
// header (SOS), and where the entropy-coded data begins: its headers only, as
// it ends with EOI.
JpegHeader layoutOf(std::span<const std::uint8_t> jpeg)
{
    JpegHeader header;
    if (readJpegHeader(jpeg, header) != JpegSyntaxError::None || header.data > jpeg.size() - 2 ||
        jpeg[jpeg.size() - 2] != 0xFF || jpeg[jpeg.size() - 1] != jpeg_marker::kEoi)
        throw std::runtime_error("parallel JPEG: TurboJPEG's output is not the expected layout");
    return header;
}

} // namespace

ParallelJpegEncoder::ParallelJpegEncoder(int quality, int threads) : forkJoin_(threads)
{
    for (int i = 0; i < threads; ++i)
        strips_.push_back(std::make_unique<Strip>(quality));
}

void ParallelJpegEncoder::setQuality(int quality)
{
    for (auto& strip : strips_)
        strip->encoder.setQuality(quality);
}

ParallelJpegEncoder::~ParallelJpegEncoder() = default;

int ParallelJpegEncoder::stripCount(int width, int height, int threads)
{
    const int rows = mcus(height);
    int count = std::clamp(threads, 1, std::max(1, rows));
    const int rowsPerStrip = mcuRowsPerStrip(height, count);
    count = (rows + rowsPerStrip - 1) / rowsPerStrip; // no empty strip at the bottom
    // The restart interval (MCUs per strip) is a 16-bit field.
    if (count > 1 && static_cast<long>(mcus(width)) * rowsPerStrip > 0xFFFF)
        return 1;
    return std::max(count, 1);
}

void ParallelJpegEncoder::encode(const RawFrame& frame, ByteBuffer& out)
{
    const int count = stripCount(frame.width, frame.height, threads());
    if (count == 1) {
        strips_.front()->encoder.encode(frame, out);
        return;
    }
    const int stripHeight = mcuRowsPerStrip(frame.height, count) * kMcuSize;
    const auto encodeStrip = [&](int index) {
        Strip& strip = *strips_[static_cast<std::size_t>(index)];
        strip.error = nullptr;
        try {
            const int top = index * stripHeight; // even: the chroma rows start at top / 2
            RawFrame part = frame;
            part.height = std::min(stripHeight, frame.height - top);
            part.planes[0].data += static_cast<std::ptrdiff_t>(top) * frame.planes[0].stride;
            for (std::size_t plane = 1; plane < 3; ++plane)
                part.planes[plane].data +=
                    static_cast<std::ptrdiff_t>(top / 2) * frame.planes[plane].stride;
            strip.encoder.encode(part, strip.jpeg);
        } catch (...) {
            strip.error = std::current_exception();
        }
    };
    forkJoin_.run(count, encodeStrip);
    for (int index = 0; index < count; ++index)
        if (auto error = strips_[static_cast<std::size_t>(index)]->error)
            std::rethrow_exception(error);
    join(count, mcus(frame.width) * (stripHeight / kMcuSize), frame.height, out);
}

// The first strip's headers with the whole picture's height and a DRI, then
// each strip's entropy-coded data, RSTn between them, and EOI. TurboJPEG pads
// each strip's last byte with 1 bits, just as an encoder does before a restart
// marker, and each strip's DC prediction starts from 0, as after one.
void ParallelJpegEncoder::join(int count, int restartInterval, int height, ByteBuffer& out)
{
    const ByteBuffer& first = strips_.front()->jpeg;
    const JpegHeader head = layoutOf(first.span());
    std::size_t total = head.data + 6 + 2;
    for (int index = 0; index < count; ++index)
        total += strips_[static_cast<std::size_t>(index)]->jpeg.size() + 2;
    out.clear();
    out.reserve(total);

    out.append(first.span().first(head.sos));
    std::uint8_t* sof = out.data() + head.sof; // marker, length, precision, then the height
    sof[5] = static_cast<std::uint8_t>(height >> 8);
    sof[6] = static_cast<std::uint8_t>(height);
    const std::uint8_t dri[] = {0xFF,
                                jpeg_marker::kDri,
                                0x00,
                                0x04,
                                static_cast<std::uint8_t>(restartInterval >> 8),
                                static_cast<std::uint8_t>(restartInterval)};
    out.append(dri);
    out.append(first.span().subspan(head.sos, head.data - head.sos));

    for (int index = 0; index < count; ++index) {
        const ByteBuffer& strip = strips_[static_cast<std::size_t>(index)]->jpeg;
        const std::size_t data = index == 0 ? head.data : layoutOf(strip.span()).data;
        out.append(strip.span().subspan(data, strip.size() - 2 - data)); // without its EOI
        const std::uint8_t marker[] = {
            0xFF, index + 1 < count ? static_cast<std::uint8_t>(jpeg_marker::kRst0 + index % 8)
                                    : jpeg_marker::kEoi};
        out.append(marker);
    }
}

} // namespace pistream
