#include "codec/jpeg_encoder.h"

#include <stdexcept>
#include <string>

#include <turbojpeg.h>

namespace pistream {

JpegEncoder::JpegEncoder(int quality) : handle_(tjInitCompress()), quality_(quality) {
    if (!handle_)
        throw std::runtime_error("cannot create a TurboJPEG compressor");
    setQuality(quality);
}

JpegEncoder::~JpegEncoder() {
    tjDestroy(handle_);
}

void JpegEncoder::setQuality(int quality) {
    if (quality < 1 || quality > 100)
        throw std::invalid_argument("JPEG quality must be 1..100");
    quality_ = quality;
}

void JpegEncoder::encode(const RawFrame& frame, ByteBuffer& out) {
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
