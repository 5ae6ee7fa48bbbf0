#include "sources/y4m_source.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <spdlog/spdlog.h>

namespace pistream {

namespace {

constexpr std::string_view kSignature = "YUV4MPEG2 ";
constexpr std::string_view kFrameTag = "FRAME";
constexpr std::size_t kMaxHeaderLine = 4096;

template <typename T> bool parseNumber(std::string_view text, T& value)
{
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

} // namespace

Y4mSource::Y4mSource(const std::string& path, double fpsOverride)
    : file_(std::make_shared<MappedFile>(path))
{
    const auto bytes = file_->bytes();
    const auto fail = [&](const std::string& why) -> std::runtime_error {
        return std::runtime_error(path + ": not a usable YUV4MPEG2 file: " + why);
    };
    const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (!all.starts_with(kSignature))
        throw fail("missing 'YUV4MPEG2' signature");
    const auto headerEnd = all.find('\n');
    if (headerEnd == std::string_view::npos || headerEnd > kMaxHeaderLine)
        throw fail("header line not terminated");

    int width = 0, height = 0;
    std::uint32_t fpsNum = 0, fpsDen = 0;
    std::string colour = "420jpeg"; // the format's default when C is absent
    std::istringstream tokens(
        std::string(all.substr(kSignature.size(), headerEnd - kSignature.size())));
    for (std::string token; tokens >> token;) {
        const std::string_view value = std::string_view(token).substr(1);
        switch (token[0]) {
        case 'W':
            if (!parseNumber(value, width))
                throw fail("bad width '" + token + "'");
            break;
        case 'H':
            if (!parseNumber(value, height))
                throw fail("bad height '" + token + "'");
            break;
        case 'F': {
            const auto colon = value.find(':');
            if (colon == std::string_view::npos || !parseNumber(value.substr(0, colon), fpsNum) ||
                !parseNumber(value.substr(colon + 1), fpsDen) || fpsNum == 0 || fpsDen == 0)
                throw fail("bad frame rate '" + token + "'");
            break;
        }
        case 'C':
            colour = std::string(value);
            break;
        default: // I (interlacing), A (aspect), X (comments) do not matter here
            break;
        }
    }
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535)
        throw fail("missing or out-of-range W/H");
    if (!colour.starts_with("420"))
        throw fail(
            "colour space C" + colour +
            " is not 4:2:0 (convert with: ffmpeg -i IN -pix_fmt yuv420p -f yuv4mpegpipe OUT)");
    if (colour.find("p1") != std::string::npos) // 420p10, 420p12...: more than 8 bits
        throw fail("colour space C" + colour + " is not 8-bit");

    format_.width = width;
    format_.height = height;
    format_.pixelFormat = PixelFormat::Yuv420;
    if (fpsOverride > 0) {
        format_.fpsNumerator = static_cast<std::uint32_t>(std::lround(fpsOverride * 1000));
        format_.fpsDenominator = 1000;
    } else if (fpsNum > 0) {
        format_.fpsNumerator = fpsNum;
        format_.fpsDenominator = fpsDen;
    }

    const std::size_t frameBytes =
        static_cast<std::size_t>(width) * static_cast<std::size_t>(height) +
        2 * static_cast<std::size_t>(chromaSize(width)) *
            static_cast<std::size_t>(chromaSize(height));
    std::size_t pos = headerEnd + 1;
    while (pos < all.size()) {
        if (all.compare(pos, kFrameTag.size(), kFrameTag) != 0)
            throw fail("expected FRAME at byte " + std::to_string(pos));
        const auto lineEnd = all.find('\n', pos);
        if (lineEnd == std::string_view::npos || lineEnd - pos > kMaxHeaderLine)
            throw fail("FRAME line not terminated at byte " + std::to_string(pos));
        const std::size_t data = lineEnd + 1;
        if (all.size() - data < frameBytes) {
            spdlog::warn("{}: ignoring truncated last frame ({} of {} bytes)", path,
                         all.size() - data, frameBytes);
            break;
        }
        frames_.push_back(data);
        pos = data + frameBytes;
    }
    if (frames_.empty())
        throw fail("no complete frame");
}

Y4mSource::~Y4mSource()
{
    stop();
}

std::string Y4mSource::describe() const
{
    std::ostringstream text;
    text << "y4m file " << file_->path() << " " << format_.width << "x" << format_.height << ", "
         << frames_.size() << " frames @ " << format_.fps() << " fps, looping";
    return text.str();
}

FramePtr Y4mSource::produce(std::uint64_t sequence, std::int64_t captureMicros)
{
    return frame(sequence, captureMicros);
}

FramePtr Y4mSource::frame(std::uint64_t index, std::int64_t captureMicros) const
{
    const std::uint8_t* base =
        file_->bytes().data() + frames_[static_cast<std::size_t>(index % frames_.size())];
    const auto lumaBytes =
        static_cast<std::size_t>(format_.width) * static_cast<std::size_t>(format_.height);
    const auto chromaBytes = static_cast<std::size_t>(chromaSize(format_.width)) *
                             static_cast<std::size_t>(chromaSize(format_.height));
    RawFrame out;
    out.format = PixelFormat::Yuv420;
    out.width = format_.width;
    out.height = format_.height;
    out.planes = {Plane{base, format_.width}, Plane{base + lumaBytes, chromaSize(format_.width)},
                  Plane{base + lumaBytes + chromaBytes, chromaSize(format_.width)}};
    out.sequence = index;
    out.captureMicros = captureMicros;
    return lendFromFile(file_, out);
}

} // namespace pistream
