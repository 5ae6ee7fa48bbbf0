// Every message decoder on hostile bodies; the first byte picks the decoder.
// Checked: what decodes re-encodes to a message that decodes to the same
// thing, and a frame's fields are within the limits it was decoded against;
// and protocol.md's receiver rules: a body under its type's minimum never
// decodes, bytes appended to a complete HELLO, PING, PONG, EVENT or ADAPT are ignored, FRAME's
// rung byte (reserved in 1.1) never makes a frame valid or invalid, and text arrives without
// control characters.

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "protocol/messages.h"

namespace {

// decode(encode(decode(body))) must give the same encoding again.
template <typename Message>
void roundTrip(std::span<const std::uint8_t> body, std::size_t minimum, bool extensible)
{
    Message first;
    if (pistream::decode(body, first))
        return;
    if (body.size() < minimum)
        std::abort();
    const auto encoded = pistream::encode(first);
    // encode() returns the whole message: length prefix and type, then the body.
    const std::span<const std::uint8_t> again(encoded.data() + pistream::kLengthPrefixSize + 1,
                                              encoded.size() - pistream::kLengthPrefixSize - 1);
    if (extensible) {
        // Bytes after a complete body are ignored. Appended to the body as
        // encoded, not as received: a 20-byte 1.1 HELLO is complete without a
        // name, but bytes after it are read as one (protocol.md, "Name").
        std::vector<std::uint8_t> longer(again.begin(), again.end());
        longer.insert(longer.end(), {0xFF, 0x00, 0x7E});
        Message extended;
        if (pistream::decode(longer, extended) || pistream::encode(extended) != encoded)
            std::abort();
    }
    Message second;
    if (pistream::decode(again, second) || pistream::encode(second) != encoded)
        std::abort();
}

void safeText(const std::string& text)
{
    if (text.size() > pistream::kMaxTextSize || std::any_of(text.begin(), text.end(), [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return byte < 0x20 || byte == 0x7F;
        }))
        std::abort();
}

template <typename Message> void text(std::span<const std::uint8_t> body)
{
    roundTrip<Message>(body, 1, false);
    Message message;
    if (!pistream::decode(body, message))
        safeText(message.text);
}

void frame(std::span<const std::uint8_t> body)
{
    const pistream::FrameLimits limits{640, 480, 1 << 20};
    pistream::FrameHeader header;
    std::span<const std::uint8_t> payload;
    if (body.size() > 29) { // the rung byte is never a reason to refuse
        std::vector<std::uint8_t> flipped(body.begin(), body.end());
        flipped[29] ^= 0xFF;
        pistream::FrameHeader other;
        std::span<const std::uint8_t> otherPayload;
        const auto error = pistream::decodeFrame(body, limits, header, payload);
        if (pistream::decodeFrame(flipped, limits, other, otherPayload) != error)
            std::abort();
    }
    if (pistream::decodeFrame(body, limits, header, payload))
        return;
    if (body.size() < pistream::kFrameFieldsSize)
        std::abort();
    if (header.width > limits.maxWidth || header.height > limits.maxHeight ||
        header.jpegLength > limits.maxJpegLength || payload.data() < body.data() ||
        payload.data() + payload.size() != body.data() + body.size())
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::span<const std::uint8_t> body(data + 1, size - 1);
    switch (data[0] % 8) {
    case 0:
        roundTrip<pistream::Hello>(body, 20, true);
        break;
    case 1:
        roundTrip<pistream::Ping>(body, 8, true);
        break;
    case 2:
        roundTrip<pistream::Pong>(body, 16, true);
        break;
    case 3:
        text<pistream::Status>(body);
        break;
    case 4:
        text<pistream::Bye>(body);
        break;
    case 6:
        roundTrip<pistream::Event>(body, pistream::kEventFieldsSize, true);
        break;
    case 7:
        roundTrip<pistream::Adapt>(body, pistream::kAdaptMinSize, true);
        break;
    default:
        frame(body);
    }
    return 0;
}
