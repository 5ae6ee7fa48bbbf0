#include "codec/half_scaler.h"

#include <libyuv/scale.h>

namespace pistream {

const RawFrame& HalfScaler::half(const RawFrame& yuv420)
{
    const int width = halfOf(yuv420.width);
    const int height = halfOf(yuv420.height);
    const int chromaWidth = chromaSize(width);
    const auto luma = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    const auto chroma =
        static_cast<std::size_t>(chromaWidth) * static_cast<std::size_t>(chromaSize(height));
    storage_.resize(luma + 2 * chroma);
    std::uint8_t* y = storage_.data();
    std::uint8_t* u = y + luma;
    std::uint8_t* v = u + chroma;
    const auto& in = yuv420.planes;
    libyuv::I420Scale(in[0].data, in[0].stride, in[1].data, in[1].stride, in[2].data, in[2].stride,
                      yuv420.width, yuv420.height, y, width, u, chromaWidth, v, chromaWidth, width,
                      height, libyuv::kFilterBox);
    out_.format = PixelFormat::Yuv420;
    out_.width = width;
    out_.height = height;
    out_.planes = {Plane{y, width}, Plane{u, chromaWidth}, Plane{v, chromaWidth}};
    out_.sequence = yuv420.sequence;
    out_.captureMicros = yuv420.captureMicros;
    return out_;
}

} // namespace pistream
