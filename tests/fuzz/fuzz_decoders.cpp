// Every message decoder on hostile bodies; the first byte picks the decoder.
// Checked: what decodes re-encodes to a message that decodes to the same
// thing, and a frame's fields are within the limits it was decoded against.

#include <cstdlib>

#include "protocol/messages.h"

namespace {

// decode(encode(decode(body))) must give the same encoding again.
template <typename Message> void roundTrip(std::span<const std::uint8_t> body)
{
    Message first;
    if (pistream::decode(body, first))
        return;
    const auto encoded = pistream::encode(first);
    // encode() returns the whole message: length prefix and type, then the body.
    const std::span<const std::uint8_t> again(encoded.data() + pistream::kLengthPrefixSize + 1,
                                              encoded.size() - pistream::kLengthPrefixSize - 1);
    Message second;
    if (pistream::decode(again, second) || pistream::encode(second) != encoded)
        std::abort();
}

void frame(std::span<const std::uint8_t> body)
{
    const pistream::FrameLimits limits{640, 480, 1 << 20};
    pistream::FrameHeader header;
    std::span<const std::uint8_t> payload;
    if (pistream::decodeFrame(body, limits, header, payload))
        return;
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
    switch (data[0] % 6) {
    case 0:
        roundTrip<pistream::Hello>(body);
        break;
    case 1:
        roundTrip<pistream::Ping>(body);
        break;
    case 2:
        roundTrip<pistream::Pong>(body);
        break;
    case 3:
        roundTrip<pistream::Status>(body);
        break;
    case 4:
        roundTrip<pistream::Bye>(body);
        break;
    default:
        frame(body);
    }
    return 0;
}
