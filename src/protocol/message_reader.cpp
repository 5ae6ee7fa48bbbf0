#include "protocol/message_reader.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "protocol/byte_order.h"

namespace pistream {

MessageReader::MessageReader(std::uint32_t maxLength) : maxLength_(maxLength) {}

MessageReader::Result MessageReader::feed(std::span<const std::uint8_t> data, std::size_t& consumed)
{
    consumed = 0;
    if (error_)
        return Result::Error;

    if (prefixHave_ < prefix_.size()) {
        const std::size_t take = std::min(prefix_.size() - prefixHave_, data.size());
        std::memcpy(prefix_.data() + prefixHave_, data.data(), take);
        prefixHave_ += take;
        consumed += take;
        if (prefixHave_ < prefix_.size())
            return Result::NeedMore;
        length_ = getBigEndian<std::uint32_t>(prefix_.data());
        if (length_ == 0) {
            error_ = Errc::MessageEmpty;
            return Result::Error;
        }
        if (length_ > maxLength_) {
            error_ = Errc::MessageTooLarge;
            return Result::Error;
        }
        body_.resize(length_);
        bodyHave_ = 0;
    }

    const std::size_t take = std::min<std::size_t>(length_ - bodyHave_, data.size() - consumed);
    if (take > 0)
        std::memcpy(body_.data() + bodyHave_, data.data() + consumed, take);
    bodyHave_ += take;
    consumed += take;
    if (bodyHave_ < length_)
        return Result::NeedMore;

    message_.type = body_.data()[0];
    message_.body = {body_.data() + 1, length_ - 1};
    prefixHave_ = 0; // the next feed starts the next message
    return Result::Message;
}

} // namespace pistream
