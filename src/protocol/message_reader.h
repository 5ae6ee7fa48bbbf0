#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <system_error>

#include "core/byte_buffer.h"
#include "protocol/messages.h"

namespace pistream {

// A message as the reader hands it out: its type byte and body. The body is
// valid until the next call to feed().
struct MessageView {
    std::uint8_t type = 0;
    std::span<const std::uint8_t> body;
};

// Incremental reader for length-prefixed messages. It never touches a socket:
// give it whatever bytes arrived, in any split, and it says whether a message is
// complete. The length is checked against the cap before anything is allocated.
// After an error the reader stays in error; the connection is to be closed.
class MessageReader {
public:
    enum class Result { NeedMore, Message, Error };

    explicit MessageReader(std::uint32_t maxLength);

    // Consumes bytes from data until one message completes or data runs out;
    // `consumed` tells how many bytes were used (the rest belongs to the next call).
    Result feed(std::span<const std::uint8_t> data, std::size_t& consumed);

    const MessageView& message() const { return message_; }
    std::error_code error() const { return error_; }
    std::uint32_t maxLength() const { return maxLength_; }
    // Bytes held for the message being assembled (bounded by the cap).
    std::size_t bufferedBytes() const { return body_.capacity(); }

private:
    std::uint32_t maxLength_;
    std::array<std::uint8_t, kLengthPrefixSize> prefix_{};
    std::size_t prefixHave_ = 0;
    std::uint32_t length_ = 0;
    ByteBuffer body_;
    std::size_t bodyHave_ = 0;
    MessageView message_;
    std::error_code error_;
};

} // namespace pistream
