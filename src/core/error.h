#pragma once

#include <string>
#include <system_error>

namespace pistream {

// Errors of data that came from outside: the wire protocol, compressed payloads,
// JPEG headers. Per-message code returns these as std::error_code (never throws),
// and the connection that sent the data is closed with error.message() as reason.
enum class Errc {
    MessageEmpty = 1,    // length prefix of 0
    MessageTooLarge,     // length prefix over the receiver's cap
    MessageTruncated,    // body shorter than the message type needs
    BadMagic,            // hello without the "PSTM" magic
    UnsupportedVersion,  // hello with a major version we do not speak
    UnsupportedCodec,    // hello with a codec this version does not know
    UnexpectedMessage,   // e.g. a frame before the hello
    BadDimensions,       // zero width or height, or over the configured limit
    JpegLengthTooLarge,  // declared JPEG length over width*height*3 + slack or the cap
    JpegLengthZero,      // declared JPEG length of 0
    PayloadSizeMismatch, // plain payload length differs from the declared JPEG length
    BadFlags,            // reserved flag bits set
    InflateFailed,       // not a valid gzip member
    InflateOverflow,     // inflates to more than declared (gzip bomb)
    InflateShort,        // inflates to less than declared
    BadJpeg,             // not a JPEG TurboJPEG can read
    JpegMismatch,        // JPEG's own size differs from the frame's declared size
    DecodeFailed,        // TurboJPEG failed on the entropy-coded data
    BadText,             // a status or bye text over its cap
};

const std::error_category& pistreamCategory();

inline std::error_code make_error_code(Errc e)
{
    return {static_cast<int>(e), pistreamCategory()};
}

} // namespace pistream

template <> struct std::is_error_code_enum<pistream::Errc> : std::true_type {};
