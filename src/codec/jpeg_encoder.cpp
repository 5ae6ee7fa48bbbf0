#include "codec/jpeg_encoder.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include <turbojpeg.h>

namespace pistream {

JpegEncoder::JpegEncoder(int quality) : handle_(tjInitCompress()), quality_(quality)
{
    if (!handle_)
        throw std::runtime_error("cannot create a TurboJPEG compressor");
    try {
        setQuality(quality);
    } catch (...) {
        tjDestroy(handle_); // no destructor runs for a constructor that throws
        throw;
    }
}

JpegEncoder::~JpegEncoder()
{
    tjDestroy(handle_);
}

void JpegEncoder::setQuality(int quality)
{
    if (quality < 1 || quality > 100)
        throw std::invalid_argument("JPEG quality must be 1..100");
    quality_ = quality;
}

const RawFrame& JpegEncoder::evenLuma(const RawFrame& frame, RawFrame& padded)
{
    if (((frame.width | frame.height) & 1) == 0)
        return frame; // the normal case: encode straight from the source's planes
    const int width = frame.width + (frame.width & 1);
    const int height = frame.height + (frame.height & 1);
    lumaScratch_.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    const Plane& luma = frame.planes[0];
    for (int row = 0; row < height; ++row) {
        const std::uint8_t* src =
            luma.data + static_cast<std::ptrdiff_t>(std::min(row, frame.height - 1)) * luma.stride;
        std::uint8_t* dst = lumaScratch_.data() + static_cast<std::ptrdiff_t>(row) * width;
        std::memcpy(dst, src, static_cast<std::size_t>(frame.width));
        dst[width - 1] = src[frame.width - 1];
    }
    padded = frame;
    padded.planes[0] = Plane{lumaScratch_.data(), width};
    return padded;
}

void JpegEncoder::encode(const RawFrame& input, ByteBuffer& out)
{
    RawFrame padded;
    const RawFrame& frame = evenLuma(input, padded);
    // Worst case for this size, so TurboJPEG never reallocates (TJFLAG_NOREALLOC).
    const unsigned long bound = tjBufSize(frame.width, frame.height, TJSAMP_420);
    out.clear();
    out.reserve(bound);

    const unsigned char* planes[3] = {frame.planes[0].data, frame.planes[1].data,
                                      frame.planes[2].data};
    const int strides[3] = {frame.planes[0].stride, frame.planes[1].stride, frame.planes[2].stride};
    unsigned char* buffer = out.data();
    unsigned long size = bound;
    if (tjCompressFromYUVPlanes(handle_, planes, frame.width, strides, frame.height, TJSAMP_420,
                                &buffer, &size, quality_, TJFLAG_NOREALLOC) != 0)
        throw std::runtime_error(std::string("JPEG encode failed: ") + tjGetErrorStr2(handle_));
    out.resize(size);
}

} // namespace pistream
