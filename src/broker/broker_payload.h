#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace pistream {

// What a broker source receives, checked before it goes anywhere. Pure: the
// bytes come from whoever can publish to the topic, so every function here
// takes them as hostile and says in one short line what is wrong.

// Why a message is not a usable frame; nothing when it is.
using PayloadError = std::optional<std::string>;

constexpr std::size_t kDefaultMaxPayload = std::size_t{8} << 20;

// An MQTT or Kafka payload: the JPEG itself (it starts FF D8) or its base64
// text, as the Python MQTT streamers send it. On success `payload` holds the
// JPEG.
PayloadError decodeJpegPayload(std::vector<std::uint8_t>& payload);

// A Redis message in the MXCuBE video-streamer's format:
//   {"data": base64 JPEG, "size": [height, width], "time": ..., "frame_number": n}
// "size" may be either way round (MXCuBE writes [height, width], other
// publishers [width, height]); the JPEG's own frame header decides, and a
// "size" that matches neither way is refused as a lie. "time" and
// "frame_number" are not used. On success `payload` holds the JPEG.
PayloadError decodeMxcubePayload(std::vector<std::uint8_t>& payload);

struct JpegSize {
    int width = 0;
    int height = 0;
};

// The header checks every JPEG from outside gets (as mjpeg: files do): SOI,
// readable headers with exactly one frame header, a scan, an EOI (bytes after
// it are cut off), at most 65535 pixels a side, and no more bytes than such a
// picture can take. Reads the markers with the shared JPEG syntax reader.
PayloadError checkJpeg(std::vector<std::uint8_t>& jpeg, JpegSize& size);

// The first bytes of a bad payload, escaped, for a log line.
std::string payloadSnippet(std::span<const std::uint8_t> payload);

} // namespace pistream
