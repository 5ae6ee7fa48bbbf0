#include "codec/yuyv_converter.h"

#include <libyuv.h>

namespace pistream {

const RawFrame& YuyvConverter::toYuv420(const RawFrame& yuyv)
{
    const int chromaWidth = chromaSize(yuyv.width);
    const auto luma = static_cast<std::size_t>(yuyv.width) * static_cast<std::size_t>(yuyv.height);
    const auto chroma =
        static_cast<std::size_t>(chromaWidth) * static_cast<std::size_t>(chromaSize(yuyv.height));
    storage_.resize(luma + 2 * chroma);
    std::uint8_t* y = storage_.data();
    std::uint8_t* u = y + luma;
    std::uint8_t* v = u + chroma;
    libyuv::YUY2ToI420(yuyv.planes[0].data, yuyv.planes[0].stride, y, yuyv.width, u, chromaWidth, v,
                       chromaWidth, yuyv.width, yuyv.height);
    out_.format = PixelFormat::Yuv420;
    out_.width = yuyv.width;
    out_.height = yuyv.height;
    out_.planes = {Plane{y, yuyv.width}, Plane{u, chromaWidth}, Plane{v, chromaWidth}};
    out_.sequence = yuyv.sequence;
    out_.captureMicros = yuyv.captureMicros;
    return out_;
}

} // namespace pistream
