#pragma once

// The pistream wire protocol, version 1.2. docs/protocol.md is the reference;
// every constant and layout here is described there byte by byte.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include "core/byte_buffer.h"
#include "core/rung.h"

namespace pistream {

inline constexpr std::array<std::uint8_t, 4> kMagic{'P', 'S', 'T', 'M'};
inline constexpr std::uint8_t kVersionMajor = 1;
// 1.1: EVENT, the name in HELLO; 1.2: ADAPT, rungs; 1.3: ADAPT's shown size
inline constexpr std::uint8_t kVersionMinor = 3;
inline constexpr std::uint16_t kDefaultPort = 8485;

inline constexpr std::uint32_t kDefaultMaxMessage = 8u << 20; // 8 MiB
inline constexpr std::uint32_t kMaxViewerMessage = 1024;      // viewer -> server
inline constexpr std::size_t kLengthPrefixSize = 4;
inline constexpr std::size_t kMaxTextSize = 1024;
// JPEG length cap per frame: width*height*3 plus room for markers (EXIF, tables).
inline constexpr std::uint64_t kJpegMarkerSlack = 65536;

enum class MessageType : std::uint8_t {
    Hello = 0x01,  // server -> viewer, first message
    Frame = 0x02,  // server -> viewer
    Ping = 0x03,   // viewer -> server
    Pong = 0x04,   // server -> viewer
    Status = 0x05, // server -> viewer
    Bye = 0x06,    // either way, just before the sender closes
    Event = 0x07,  // server -> viewer, 1.1: motion started, grew or ended
    Adapt = 0x08,  // viewer -> server, 1.2: how this viewer's stream adapts to its link
};

enum class Codec : std::uint8_t { Jpeg = 1 };

struct Hello {
    std::uint8_t versionMajor = kVersionMajor;
    std::uint8_t versionMinor = kVersionMinor;
    Codec codec = Codec::Jpeg;
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint32_t fpsNumerator = 0;
    std::uint32_t fpsDenominator = 1;
    // 1.1: the server's name (--name), sent by a server whose versionMinor is
    // 1 or more; "" from a 1.0 server. At most kMaxHelloName bytes of UTF-8,
    // untrusted: escape it before showing it.
    std::string name;
};

inline constexpr std::size_t kMaxHelloName = 255; // its length is one byte

inline constexpr std::uint8_t kFrameFlagGzip = 0x01;

struct FrameHeader {
    std::uint64_t sequence = 0;
    std::int64_t captureMicros = 0; // server monotonic clock
    std::int64_t readyMicros = 0;   // when the encoded frame was ready to send
    std::uint16_t width = 0;
    std::uint16_t height = 0;
    std::uint8_t flags = 0;
    std::uint32_t jpegLength = 0; // the JPEG's length after any inflate
    // 1.2: the Rung this picture was encoded at (byte 29, reserved and 0 in
    // 1.1). Raw, so a value from a later version is shown, never refused.
    std::uint8_t rung = 0;
};

// Frame body fields before the payload.
inline constexpr std::size_t kFrameFieldsSize = 8 + 8 + 8 + 2 + 2 + 1 + 1 + 4;
// Length prefix + type + fields: what precedes a frame's payload on the wire.
inline constexpr std::size_t kFrameWireHeaderSize = kLengthPrefixSize + 1 + kFrameFieldsSize;

struct Ping {
    std::int64_t viewerMicros = 0;
};

struct Pong {
    std::int64_t viewerMicros = 0; // echoed from the ping
    std::int64_t serverMicros = 0;
};

enum class SourceState : std::uint8_t { Live = 0, Down = 1 };

struct Status {
    SourceState state = SourceState::Live;
    std::string text;
};

enum class ByeReason : std::uint8_t {
    Normal = 0,
    ServerFull = 1,
    ShuttingDown = 2,
    ProtocolError = 3,
    Timeout = 4,
};

struct Bye {
    ByeReason reason = ByeReason::Normal;
    std::string text;
};

const char* nameOf(ByeReason reason);

// What happened to a motion event. Values a receiver does not know (from a
// later minor version) make it skip the message.
enum class EventChange : std::uint8_t { Started = 1, Updated = 2, Ended = 3 };

struct Event {
    std::uint8_t change = 0;     // an EventChange, kept raw so unknown values can be skipped
    std::uint64_t id = 0;        // counts from 1 per server run
    std::int64_t startMs = 0;    // Unix time, ms
    std::int64_t endMs = 0;      // Unix time, ms; 0 while the event lasts
    double score = 0;            // peak changed fraction of the watched area, 0..1 (1/10000 steps)
    std::array<double, 4> box{}; // x, y, w, h of what moved, 0..1 (1/65535 steps)

    bool known() const { return change >= 1 && change <= 3; }
};

// 1.2: the viewer's choice of how its stream adapts. A policy a server does
// not know (from a later version, or kAdaptServerDefault) makes it use its
// own default. 1.3: the largest size the viewer draws pictures at, so a
// server may send a smaller rung that still covers it (a wall's tile).
struct Adapt {
    std::uint8_t policy = 0; // an AdaptPolicy, raw
    // Pixels; 0: no limit (and what a 1.2 viewer's 1-byte body means).
    std::uint16_t shownWidth = 0;
    std::uint16_t shownHeight = 0;

    std::optional<AdaptPolicy> known() const
    {
        return policy <= static_cast<std::uint8_t>(AdaptPolicy::Framerate)
                   ? std::optional(static_cast<AdaptPolicy>(policy))
                   : std::nullopt;
    }
};

// 1.3: "no preference": a viewer that sends ADAPT only for its shown size.
inline constexpr std::uint8_t kAdaptServerDefault = 0xFF;
inline constexpr std::size_t kAdaptMinSize = 1;    // 1.2: the policy
inline constexpr std::size_t kAdaptFieldsSize = 5; // 1.3: and the shown size

// EVENT body fields: change, reserved, id, start, end, score, box.
inline constexpr std::size_t kEventFieldsSize = 1 + 1 + 8 + 8 + 8 + 2 + 4 * 2;

// Encoders return complete wire messages, length prefix included.
std::vector<std::uint8_t> encode(const Hello& hello);
std::vector<std::uint8_t> encode(const Ping& ping);
std::vector<std::uint8_t> encode(const Pong& pong);
std::vector<std::uint8_t> encode(const Status& status);
std::vector<std::uint8_t> encode(const Bye& bye);
std::vector<std::uint8_t> encode(const Event& event);
std::vector<std::uint8_t> encode(const Adapt& adapt);

// The part of a frame message before its payload; the payload is sent after
// it in the same gather write, without being copied.
std::array<std::uint8_t, kFrameWireHeaderSize> encodeFrameHeader(const FrameHeader& header,
                                                                 std::size_t payloadSize);

// Decoders take a message body (after the type byte). Extra trailing bytes in a
// hello, ping or pong are ignored: later minor versions may append fields.
std::error_code decode(std::span<const std::uint8_t> body, Hello& hello);
std::error_code decode(std::span<const std::uint8_t> body, Ping& ping);
std::error_code decode(std::span<const std::uint8_t> body, Pong& pong);
std::error_code decode(std::span<const std::uint8_t> body, Status& status);
std::error_code decode(std::span<const std::uint8_t> body, Bye& bye);
std::error_code decode(std::span<const std::uint8_t> body, Event& event);
std::error_code decode(std::span<const std::uint8_t> body, Adapt& adapt);

struct FrameLimits {
    int maxWidth = 8192;
    int maxHeight = 8192;
    std::uint32_t maxJpegLength = kDefaultMaxMessage;
};

// Checks every field against the limits before anything is allocated; payload
// is set to the bytes after the fields (gzip member or plain JPEG).
std::error_code decodeFrame(std::span<const std::uint8_t> body, const FrameLimits& limits,
                            FrameHeader& header, std::span<const std::uint8_t>& payload);

} // namespace pistream
