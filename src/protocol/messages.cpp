#include "protocol/messages.h"

#include <algorithm>

#include "core/error.h"
#include "core/printable_text.h"
#include "protocol/byte_order.h"

namespace pistream {

namespace {

// Builds one message: the length prefix is filled in by finish().
class MessageBuilder {
public:
    explicit MessageBuilder(MessageType type, std::size_t bodyHint = 32)
    {
        bytes_.reserve(kLengthPrefixSize + 1 + bodyHint);
        bytes_.resize(kLengthPrefixSize);
        bytes_.push_back(static_cast<std::uint8_t>(type));
    }

    template <typename T> MessageBuilder& put(T value)
    {
        const std::size_t at = bytes_.size();
        bytes_.resize(at + sizeof(T));
        putBigEndian(bytes_.data() + at, value);
        return *this;
    }

    MessageBuilder& putText(const std::string& text)
    {
        const auto length = std::min(text.size(), kMaxTextSize);
        bytes_.insert(bytes_.end(), text.begin(), text.begin() + static_cast<long>(length));
        return *this;
    }

    std::vector<std::uint8_t> finish()
    {
        putBigEndian(bytes_.data(), static_cast<std::uint32_t>(bytes_.size() - kLengthPrefixSize));
        return std::move(bytes_);
    }

private:
    std::vector<std::uint8_t> bytes_;
};

// A peer's text as it may be logged, drawn or put in JSON (escapeText).
std::error_code readText(std::span<const std::uint8_t> bytes, std::string& text)
{
    if (bytes.size() > kMaxTextSize)
        return Errc::BadText;
    text = escapeText(bytes, kMaxTextSize);
    return {};
}

} // namespace

const char* nameOf(ByeReason reason)
{
    switch (reason) {
    case ByeReason::Normal:
        return "normal";
    case ByeReason::ServerFull:
        return "server full";
    case ByeReason::ShuttingDown:
        return "server shutting down";
    case ByeReason::ProtocolError:
        return "protocol error";
    case ByeReason::Timeout:
        return "timeout";
    }
    return "unknown";
}

std::vector<std::uint8_t> encode(const Hello& hello)
{
    MessageBuilder builder(MessageType::Hello);
    for (std::uint8_t byte : kMagic)
        builder.put(byte);
    builder.put(hello.versionMajor)
        .put(hello.versionMinor)
        .put(static_cast<std::uint8_t>(hello.codec))
        .put(std::uint8_t{0})
        .put(hello.width)
        .put(hello.height)
        .put(hello.fpsNumerator)
        .put(hello.fpsDenominator);
    // 1.1 appends the name: one length byte, then the bytes. A 1.0 hello ends here.
    if (hello.versionMinor >= 1) {
        const std::size_t length = std::min(hello.name.size(), kMaxHelloName);
        builder.put(static_cast<std::uint8_t>(length));
        builder.putText(hello.name.substr(0, length));
    }
    return builder.finish();
}

std::vector<std::uint8_t> encode(const Ping& ping)
{
    return MessageBuilder(MessageType::Ping).put(ping.viewerMicros).finish();
}

std::vector<std::uint8_t> encode(const Pong& pong)
{
    return MessageBuilder(MessageType::Pong).put(pong.viewerMicros).put(pong.serverMicros).finish();
}

std::vector<std::uint8_t> encode(const Status& status)
{
    return MessageBuilder(MessageType::Status, 1 + status.text.size())
        .put(static_cast<std::uint8_t>(status.state))
        .putText(status.text)
        .finish();
}

std::vector<std::uint8_t> encode(const Bye& bye)
{
    return MessageBuilder(MessageType::Bye, 1 + bye.text.size())
        .put(static_cast<std::uint8_t>(bye.reason))
        .putText(bye.text)
        .finish();
}

namespace {

// A fraction 0..1 in `steps` steps; anything else (NaN included) clamped.
std::uint16_t toFixed(double value, double steps)
{
    const double clamped = value > 0 ? std::min(value, 1.0) : 0.0;
    return static_cast<std::uint16_t>(clamped * steps + 0.5);
}

constexpr double kScoreSteps = 10000;
constexpr double kBoxSteps = 65535;

} // namespace

std::vector<std::uint8_t> encode(const Event& event)
{
    MessageBuilder builder(MessageType::Event, kEventFieldsSize);
    builder.put(event.change)
        .put(std::uint8_t{0})
        .put(event.id)
        .put(event.startMs)
        .put(event.endMs)
        .put(toFixed(event.score, kScoreSteps));
    for (const double edge : event.box)
        builder.put(toFixed(edge, kBoxSteps));
    return builder.finish();
}

std::vector<std::uint8_t> encode(const Adapt& adapt)
{
    return MessageBuilder(MessageType::Adapt, kAdaptFieldsSize)
        .put(adapt.policy)
        .put(adapt.shownWidth)
        .put(adapt.shownHeight)
        .finish();
}

std::array<std::uint8_t, kFrameWireHeaderSize> encodeFrameHeader(const FrameHeader& header,
                                                                 std::size_t payloadSize)
{
    std::array<std::uint8_t, kFrameWireHeaderSize> out{};
    std::uint8_t* p = out.data();
    putBigEndian(p, static_cast<std::uint32_t>(1 + kFrameFieldsSize + payloadSize));
    p += 4;
    *p++ = static_cast<std::uint8_t>(MessageType::Frame);
    putBigEndian(p, header.sequence);
    p += 8;
    putBigEndian(p, header.captureMicros);
    p += 8;
    putBigEndian(p, header.readyMicros);
    p += 8;
    putBigEndian(p, header.width);
    p += 2;
    putBigEndian(p, header.height);
    p += 2;
    *p++ = header.flags;
    *p++ = header.rung;
    putBigEndian(p, header.jpegLength);
    return out;
}

std::error_code decode(std::span<const std::uint8_t> body, Hello& hello)
{
    // Magic and version first, so a client can say "not pistream" or "too new"
    // even when the rest of a future hello looks different.
    if (body.size() < kMagic.size() || !std::equal(kMagic.begin(), kMagic.end(), body.begin()))
        return Errc::BadMagic;
    FieldReader reader(body.subspan(kMagic.size()));
    std::uint8_t codec = 0, reserved = 0;
    if (!reader.read(hello.versionMajor))
        return Errc::MessageTruncated;
    if (hello.versionMajor != kVersionMajor)
        return Errc::UnsupportedVersion;
    if (!reader.read(hello.versionMinor) || !reader.read(codec) || !reader.read(reserved) ||
        !reader.read(hello.width) || !reader.read(hello.height) ||
        !reader.read(hello.fpsNumerator) || !reader.read(hello.fpsDenominator))
        return Errc::MessageTruncated;
    if (codec != static_cast<std::uint8_t>(Codec::Jpeg))
        return Errc::UnsupportedCodec;
    hello.codec = Codec::Jpeg;
    if (hello.width == 0 || hello.height == 0)
        return Errc::BadDimensions;
    // 1.1: the name, if the body goes on (a 1.0 body's extra bytes mean nothing).
    hello.name.clear();
    std::uint8_t nameLength = 0;
    if (hello.versionMinor >= 1 && reader.read(nameLength)) {
        const auto rest = reader.rest();
        if (rest.size() < nameLength)
            return Errc::MessageTruncated;
        hello.name.assign(rest.begin(), rest.begin() + nameLength);
    }
    return {};
}

std::error_code decode(std::span<const std::uint8_t> body, Ping& ping)
{
    FieldReader reader(body);
    return reader.read(ping.viewerMicros) ? std::error_code{} : Errc::MessageTruncated;
}

std::error_code decode(std::span<const std::uint8_t> body, Pong& pong)
{
    FieldReader reader(body);
    return reader.read(pong.viewerMicros) && reader.read(pong.serverMicros)
               ? std::error_code{}
               : Errc::MessageTruncated;
}

std::error_code decode(std::span<const std::uint8_t> body, Status& status)
{
    FieldReader reader(body);
    std::uint8_t state = 0;
    if (!reader.read(state))
        return Errc::MessageTruncated;
    // Unknown states from a newer server are shown as "down" with their text.
    status.state = state == 0 ? SourceState::Live : SourceState::Down;
    return readText(reader.rest(), status.text);
}

std::error_code decode(std::span<const std::uint8_t> body, Bye& bye)
{
    FieldReader reader(body);
    std::uint8_t reason = 0;
    if (!reader.read(reason))
        return Errc::MessageTruncated;
    bye.reason = static_cast<ByeReason>(reason);
    return readText(reader.rest(), bye.text);
}

std::error_code decode(std::span<const std::uint8_t> body, Event& event)
{
    FieldReader reader(body);
    std::uint8_t reserved = 0;
    std::uint16_t score = 0;
    std::array<std::uint16_t, 4> box{};
    if (!reader.read(event.change) || !reader.read(reserved) || !reader.read(event.id) ||
        !reader.read(event.startMs) || !reader.read(event.endMs) || !reader.read(score) ||
        !reader.read(box[0]) || !reader.read(box[1]) || !reader.read(box[2]) ||
        !reader.read(box[3]))
        return Errc::MessageTruncated;
    // Out-of-range fixed-point values from a confused server are clamped, not trusted.
    event.score = std::min(1.0, score / kScoreSteps);
    for (std::size_t i = 0; i < box.size(); ++i)
        event.box[i] = box[i] / kBoxSteps;
    return {};
}

std::error_code decode(std::span<const std::uint8_t> body, Adapt& adapt)
{
    FieldReader reader(body);
    if (!reader.read(adapt.policy))
        return Errc::MessageTruncated;
    // A 1.2 viewer's body ends here: no shown size, no limit. A body cut
    // inside the size is taken the same way.
    std::uint16_t width = 0, height = 0;
    if (reader.read(width) && reader.read(height)) {
        adapt.shownWidth = width;
        adapt.shownHeight = height;
    } else {
        adapt.shownWidth = adapt.shownHeight = 0;
    }
    return {};
}

std::error_code decodeFrame(std::span<const std::uint8_t> body, const FrameLimits& limits,
                            FrameHeader& header, std::span<const std::uint8_t>& payload)
{
    FieldReader reader(body);
    if (!reader.read(header.sequence) || !reader.read(header.captureMicros) ||
        !reader.read(header.readyMicros) || !reader.read(header.width) ||
        !reader.read(header.height) || !reader.read(header.flags) || !reader.read(header.rung) ||
        !reader.read(header.jpegLength))
        return Errc::MessageTruncated;
    if (header.width == 0 || header.height == 0 || header.width > limits.maxWidth ||
        header.height > limits.maxHeight)
        return Errc::BadDimensions;
    if ((header.flags & ~kFrameFlagGzip) != 0)
        return Errc::BadFlags;
    const std::uint64_t sizeCap =
        std::uint64_t{header.width} * header.height * 3 + kJpegMarkerSlack;
    if (header.jpegLength == 0)
        return Errc::JpegLengthZero;
    if (header.jpegLength > sizeCap || header.jpegLength > limits.maxJpegLength)
        return Errc::JpegLengthTooLarge;
    payload = reader.rest();
    if (!(header.flags & kFrameFlagGzip) && payload.size() != header.jpegLength)
        return Errc::PayloadSizeMismatch;
    return {};
}

} // namespace pistream
