#include "core/printable_text.h"

namespace pistream {

namespace {

// The length of the well-formed UTF-8 sequence at the start of `bytes` (one
// that is no C0 or C1 control character), or 0.
std::size_t printableUtf8(std::span<const std::uint8_t> bytes)
{
    const std::uint8_t lead = bytes[0];
    if (lead >= 0x20 && lead < 0x7F)
        return 1;
    const std::size_t length = lead >= 0xF0 && lead <= 0xF4   ? 4
                               : lead >= 0xE0 && lead <= 0xEF ? 3
                               : lead >= 0xC2 && lead <= 0xDF ? 2
                                                              : 0;
    if (length == 0 || bytes.size() < length)
        return 0;
    std::uint32_t code = lead & (0xFFu >> (length + 1));
    for (std::size_t i = 1; i < length; ++i) {
        if ((bytes[i] & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (bytes[i] & 0x3Fu);
    }
    const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
    const bool invalid =
        (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF || (code >= 0x80 && code < 0xA0);
    return overlong || invalid ? 0 : length;
}

} // namespace

std::string escapeText(std::span<const std::uint8_t> bytes, std::size_t maxSize)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    while (!bytes.empty()) {
        const std::size_t printable = printableUtf8(bytes);
        if (text.size() + (printable > 0 ? printable : 4) > maxSize)
            break;
        if (printable > 0)
            text.append(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(printable));
        else
            text += {'\\', 'x', kHex[bytes[0] >> 4], kHex[bytes[0] & 0xF]};
        bytes = bytes.subspan(printable > 0 ? printable : 1);
    }
    return text;
}

std::string escapeText(std::string_view text, std::size_t maxSize)
{
    return escapeText({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, maxSize);
}

} // namespace pistream
