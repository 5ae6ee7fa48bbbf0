#include "codec/jpeg_decoder.h"

#include <stdexcept>

#include <turbojpeg.h>

#include "codec/jpeg_syntax.h"
#include "core/error.h"

namespace pistream {

namespace {

// Sizes out's planes for a picture in the given subsampling (one plane for
// greyscale), packed one after another in out.storage.
void layoutPlanes(int width, int height, int subsampling, YuvImage& out)
{
    const int planeCount = subsampling == TJSAMP_GRAY ? 1 : 3;
    std::size_t total = 0;
    std::array<std::size_t, 3> offsets{};
    for (int i = 0; i < 3; ++i) {
        const auto index = static_cast<std::size_t>(i);
        const bool used = i < planeCount;
        out.planeWidths[index] = used ? tjPlaneWidth(i, width, subsampling) : 0;
        out.planeHeights[index] = used ? tjPlaneHeight(i, height, subsampling) : 0;
        out.strides[index] = out.planeWidths[index];
        offsets[index] = total;
        total += static_cast<std::size_t>(out.strides[index]) *
                 static_cast<std::size_t>(out.planeHeights[index]);
    }
    out.storage.resize(total);
    for (std::size_t i = 0; i < 3; ++i)
        out.planes[i] =
            i < static_cast<std::size_t>(planeCount) ? out.storage.data() + offsets[i] : nullptr;
}

// 1 unless denominator is one of kDecodeScales.
int validScale(int denominator)
{
    for (const int scale : kDecodeScales)
        if (scale == denominator)
            return denominator;
    return 1;
}

} // namespace

int decodeScaleFor(int width, int height, int shownWidth, int shownHeight)
{
    if (width <= 0 || height <= 0 || shownWidth <= 0 || shownHeight <= 0)
        return 1;
    int chosen = 1;
    for (const int scale : kDecodeScales)
        if (scaledSize(width, scale) >= shownWidth && scaledSize(height, scale) >= shownHeight)
            chosen = scale;
    return chosen;
}

JpegDecoder::JpegDecoder(int threads) : forkJoin_(threads), handle_(tjInitDecompress())
{
    if (!handle_)
        throw std::runtime_error("cannot create a TurboJPEG decompressor");
}

JpegDecoder::~JpegDecoder()
{
    for (void* handle : bandHandles_)
        tjDestroy(handle);
    tjDestroy(handle_);
    if (converter_)
        tjDestroy(converter_);
}

void JpegDecoder::recover()
{
    // libjpeg-turbo 2.1 leaves a decompressor unusable after some errors (a
    // header over JPEG_MAX_DIMENSION makes every later call fail), so one bad
    // frame would blank every good one after it. A fresh handle is cheap.
    tjDestroy(handle_);
    handle_ = tjInitDecompress();
    if (!handle_)
        throw std::runtime_error("cannot create a TurboJPEG decompressor");
}

std::error_code JpegDecoder::readHeader(std::span<const std::uint8_t> jpeg, JpegInfo& info)
{
    // Our own bounds-checked walk first: TurboJPEG never sees a header that is
    // malformed, and a handle is not thrown away for one.
    JpegHeader header;
    if (readJpegHeader(jpeg, header) != JpegSyntaxError::None)
        return Errc::BadJpeg;
    int width = 0, height = 0, subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(handle_, jpeg.data(), static_cast<unsigned long>(jpeg.size()), &width,
                            &height, &subsampling, &colorspace) != 0) {
        recover();
        return Errc::BadJpeg;
    }
    if (width <= 0 || height <= 0 || subsampling < 0 || subsampling >= TJ_NUMSAMP)
        return Errc::BadJpeg;
    info = {width, height, subsampling};
    return {};
}

std::error_code JpegDecoder::decode(std::span<const std::uint8_t> jpeg, int maxWidth, int maxHeight,
                                    YuvImage& out)
{
    JpegInfo info;
    if (auto error = readHeader(jpeg, info))
        return error;
    return decodePlanes(jpeg, info, maxWidth, maxHeight, out);
}

std::error_code JpegDecoder::decodePlanes(std::span<const std::uint8_t> jpeg, const JpegInfo& info,
                                          int maxWidth, int maxHeight, YuvImage& out,
                                          int denominator)
{
    if (info.width > maxWidth || info.height > maxHeight)
        return Errc::BadDimensions;

    denominator = validScale(denominator);
    const int width = scaledSize(info.width, denominator);
    const int height = scaledSize(info.height, denominator);
    layoutPlanes(width, height, info.subsampling, out);
    out.info = {width, height, info.subsampling};

    if (forkJoin_.threads() > 1 && splitJpegBands(jpeg, forkJoin_.threads(), bands_))
        return decodeBands(info, denominator, out);
    // TurboJPEG picks the DCT scaling factor that yields this size.
    if (tjDecompressToYUVPlanes(handle_, jpeg.data(), static_cast<unsigned long>(jpeg.size()),
                                out.planes.data(), width, out.strides.data(), height,
                                TJFLAG_STOPONWARNING) != 0) {
        recover();
        return Errc::DecodeFailed; // a truncated or corrupt scan is a skipped frame, not a grey one
    }
    return {};
}

std::error_code JpegDecoder::decodeBands(const JpegInfo& info, int denominator, YuvImage& out)
{
    // The bands must tile the picture TurboJPEG's header reading described.
    // They start on MCU rows (8 or 16 pixels), so scaled they still start on
    // a whole row of every plane, and their scaled heights add up.
    int rows = 0;
    for (const JpegBand& band : bands_) {
        if (band.width != info.width || band.top != rows || band.height <= 0 ||
            band.top % denominator != 0)
            return Errc::DecodeFailed;
        rows += band.height;
    }
    if (rows != info.height)
        return Errc::DecodeFailed;
    const int width = scaledSize(info.width, denominator);

    const std::size_t count = bands_.size();
    while (bandHandles_.size() < count) {
        void* handle = tjInitDecompress();
        if (!handle)
            throw std::runtime_error("cannot create a TurboJPEG decompressor");
        bandHandles_.push_back(handle);
    }
    bandFailed_.assign(count, 0);
    const auto decodeBand = [&](std::size_t index) {
        const JpegBand& band = bands_[index];
        std::array<unsigned char*, 3> planes{};
        for (std::size_t plane = 0; plane < 3; ++plane) {
            if (!out.planes[plane])
                continue;
            // The rows above the band in this plane (tjPlaneHeight refuses 0).
            const int above = band.top == 0
                                  ? 0
                                  : tjPlaneHeight(static_cast<int>(plane), band.top / denominator,
                                                  info.subsampling);
            if (above < 0 || above >= out.planeHeights[plane]) {
                bandFailed_[index] = 1;
                return;
            }
            planes[plane] =
                out.planes[plane] + static_cast<std::ptrdiff_t>(above) * out.strides[plane];
        }
        bandFailed_[index] =
            tjDecompressToYUVPlanes(bandHandles_[index], band.jpeg.data(),
                                    static_cast<unsigned long>(band.jpeg.size()), planes.data(),
                                    width, out.strides.data(), scaledSize(band.height, denominator),
                                    TJFLAG_STOPONWARNING) != 0;
    };
    forkJoin_.run(static_cast<int>(count),
                  [&](int index) { decodeBand(static_cast<std::size_t>(index)); });
    bool failed = false;
    for (std::size_t index = 0; index < count; ++index) {
        if (!bandFailed_[index])
            continue;
        failed = true;
        tjDestroy(bandHandles_[index]); // a fresh handle, as in recover()
        bandHandles_[index] = tjInitDecompress();
        if (!bandHandles_[index])
            throw std::runtime_error("cannot create a TurboJPEG decompressor");
    }
    return failed ? std::error_code(Errc::DecodeFailed) : std::error_code();
}

std::error_code JpegDecoder::decodeTo420(std::span<const std::uint8_t> jpeg, int maxWidth,
                                         int maxHeight, YuvImage& out, int denominator)
{
    JpegInfo info;
    if (auto error = readHeader(jpeg, info))
        return error;
    if (info.subsampling == TJSAMP_420)
        return decodePlanes(jpeg, info, maxWidth, maxHeight, out,
                            denominator); // header read once
    if (info.width > maxWidth || info.height > maxHeight)
        return Errc::BadDimensions;

    denominator = validScale(denominator);
    const int width = scaledSize(info.width, denominator);
    const int height = scaledSize(info.height, denominator);
    const auto pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    rgb_.resize(pixels * 3);
    if (tjDecompress2(handle_, jpeg.data(), static_cast<unsigned long>(jpeg.size()), rgb_.data(),
                      width, 0, height, TJPF_RGB, TJFLAG_STOPONWARNING) != 0) {
        recover();
        return Errc::DecodeFailed;
    }
    if (!converter_ && !(converter_ = tjInitCompress()))
        throw std::runtime_error("cannot create a TurboJPEG compressor");

    layoutPlanes(width, height, TJSAMP_420, out);
    if (tjEncodeYUVPlanes(converter_, rgb_.data(), width, 0, height, TJPF_RGB, out.planes.data(),
                          out.strides.data(), TJSAMP_420, 0) != 0)
        return Errc::DecodeFailed;
    out.info = {width, height, TJSAMP_420};
    return {};
}

} // namespace pistream
