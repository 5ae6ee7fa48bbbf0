#include "core/error.h"

namespace pistream {

namespace {

class Category : public std::error_category {
public:
    const char* name() const noexcept override { return "pistream"; }

    std::string message(int value) const override
    {
        switch (static_cast<Errc>(value)) {
        case Errc::MessageEmpty:
            return "message with length 0";
        case Errc::MessageTooLarge:
            return "message length over the cap";
        case Errc::MessageTruncated:
            return "message shorter than its type requires";
        case Errc::BadMagic:
            return "not a pistream server (bad magic in hello)";
        case Errc::UnsupportedVersion:
            return "unsupported protocol major version";
        case Errc::UnsupportedCodec:
            return "unsupported codec (this viewer decodes JPEG, codec 1)";
        case Errc::UnexpectedMessage:
            return "message not allowed at this point";
        case Errc::BadDimensions:
            return "frame width or height is zero or over the limit";
        case Errc::JpegLengthTooLarge:
            return "declared JPEG length over the limit for the frame size";
        case Errc::JpegLengthZero:
            return "declared JPEG length is 0";
        case Errc::PayloadSizeMismatch:
            return "payload length differs from the declared JPEG length";
        case Errc::BadFlags:
            return "reserved flag bits set";
        case Errc::InflateFailed:
            return "payload is not a valid gzip member";
        case Errc::InflateOverflow:
            return "gzip payload inflates past the declared JPEG length";
        case Errc::InflateShort:
            return "gzip payload inflates to less than the declared JPEG length";
        case Errc::BadJpeg:
            return "payload is not a readable JPEG";
        case Errc::JpegMismatch:
            return "JPEG size differs from the frame's declared size";
        case Errc::DecodeFailed:
            return "JPEG decode failed";
        case Errc::BadText:
            return "text field too long";
        }
        return "unknown pistream error";
    }
};

} // namespace

const std::error_category& pistreamCategory()
{
    static const Category category;
    return category;
}

} // namespace pistream
