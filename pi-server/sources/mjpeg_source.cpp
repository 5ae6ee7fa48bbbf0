#include "sources/mjpeg_source.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "codec/jpeg_decoder.h"
#include "codec/jpeg_syntax.h"
#include "protocol/messages.h"

namespace pistream {

MjpegSource::MjpegSource(const std::string& path, double fps)
    : file_(std::make_shared<MappedFile>(path))
{
    const auto bytes = file_->bytes();
    JpegDecoder decoder;
    std::size_t pos = 0, skippedBytes = 0, badFrames = 0;
    while (pos + 1 < bytes.size()) {
        if (bytes[pos] != 0xFF || bytes[pos + 1] != jpeg_marker::kSoi) {
            ++pos; // padding or garbage between frames
            ++skippedBytes;
            continue;
        }
        const auto end = findJpegEnd(bytes, pos);
        if (!end) {
            spdlog::warn("{}: ignoring truncated or malformed JPEG at byte {}", path, pos);
            ++badFrames;
            pos += 2;
            continue;
        }
        const auto jpeg = bytes.subspan(pos, *end - pos);
        JpegInfo info;
        const bool fits =
            !decoder.readHeader(jpeg, info) && info.width <= 65535 && info.height <= 65535 &&
            jpeg.size() <=
                std::uint64_t(info.width) * std::uint64_t(info.height) * 3 + kJpegMarkerSlack;
        if (fits)
            frames_.push_back({jpeg, info.width, info.height});
        else
            ++badFrames;
        pos = *end;
    }
    skippedBytes += bytes.size() - std::min(pos, bytes.size());
    if (frames_.empty())
        throw std::runtime_error(path + ": not a usable MJPEG file: no complete JPEG frame found");
    if (badFrames > 0 || skippedBytes > 0)
        spdlog::warn("{}: skipped {} unreadable frames and {} stray bytes", path, badFrames,
                     skippedBytes);

    format_.width = frames_.front().width;
    format_.height = frames_.front().height;
    format_.pixelFormat = PixelFormat::Mjpeg;
    format_.fpsNumerator = static_cast<std::uint32_t>(std::lround(fps * 1000));
    format_.fpsDenominator = 1000;
}

MjpegSource::~MjpegSource()
{
    stop();
}

std::string MjpegSource::describe() const
{
    std::ostringstream text;
    text << "mjpeg file " << file_->path() << " " << format_.width << "x" << format_.height << ", "
         << frames_.size() << " frames @ " << format_.fps() << " fps, looping, not re-encoded";
    return text.str();
}

FramePtr MjpegSource::produce(std::uint64_t sequence, std::int64_t captureMicros)
{
    const Entry& entry = frames_[static_cast<std::size_t>(sequence % frames_.size())];
    RawFrame frame;
    frame.format = PixelFormat::Mjpeg;
    frame.width = entry.width;
    frame.height = entry.height;
    frame.jpeg = entry.jpeg;
    frame.sequence = sequence;
    frame.captureMicros = captureMicros;
    return lendFromFile(file_, frame);
}

} // namespace pistream
