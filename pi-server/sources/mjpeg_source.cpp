#include "sources/mjpeg_source.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "codec/jpeg_decoder.h"
#include "protocol/messages.h"

namespace pistream {

namespace {

constexpr std::uint8_t kMarker = 0xFF;
constexpr std::uint8_t kSoi = 0xD8;
constexpr std::uint8_t kEoi = 0xD9;
constexpr std::uint8_t kSos = 0xDA;

bool isStandalone(std::uint8_t marker)
{
    return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7); // TEM, RSTn
}

} // namespace

std::optional<std::size_t> findJpegEnd(std::span<const std::uint8_t> bytes, std::size_t start)
{
    const std::size_t size = bytes.size();
    if (start + 4 > size || bytes[start] != kMarker || bytes[start + 1] != kSoi)
        return std::nullopt;
    std::size_t pos = start + 2;
    while (pos < size) {
        if (bytes[pos] != kMarker)
            return std::nullopt;
        while (pos < size && bytes[pos] == kMarker) // fill bytes
            ++pos;
        if (pos >= size)
            return std::nullopt;
        const std::uint8_t marker = bytes[pos++];
        if (marker == kEoi)
            return pos;
        if (marker == kSoi || marker == 0x00)
            return std::nullopt;
        if (isStandalone(marker))
            continue;
        if (pos + 2 > size)
            return std::nullopt;
        const std::size_t length = (std::size_t{bytes[pos]} << 8) | bytes[pos + 1];
        if (length < 2 || pos + length > size)
            return std::nullopt;
        pos += length;
        if (marker != kSos)
            continue;
        // Entropy-coded data runs until a marker other than a stuffed 0xFF00 or RSTn.
        while (pos + 1 < size) {
            if (bytes[pos] == kMarker && bytes[pos + 1] != 0x00 &&
                !(bytes[pos + 1] >= 0xD0 && bytes[pos + 1] <= 0xD7))
                break;
            ++pos;
        }
        if (pos + 1 >= size)
            return std::nullopt;
    }
    return std::nullopt;
}

MjpegSource::MjpegSource(const std::string& path, double fps)
    : file_(std::make_shared<MappedFile>(path))
{
    const auto bytes = file_->bytes();
    JpegDecoder decoder;
    std::size_t pos = 0, skippedBytes = 0, badFrames = 0;
    while (pos + 1 < bytes.size()) {
        if (bytes[pos] != kMarker || bytes[pos + 1] != kSoi) {
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
