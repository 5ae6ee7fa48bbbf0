#include "http/byte_range.h"

#include <charconv>

namespace pistream {

namespace {

bool number(std::string_view text, std::uint64_t& out)
{
    if (text.empty() || text.size() > 19)
        return false;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

} // namespace

ByteRange parseByteRange(std::string_view header, std::uint64_t size)
{
    const ByteRange whole{ByteRange::Kind::Whole, 0, size};
    constexpr std::string_view kUnit = "bytes=";
    if (!header.starts_with(kUnit))
        return whole;
    const std::string_view spec = header.substr(kUnit.size());
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos)
        return whole;
    const std::string_view from = spec.substr(0, dash);
    const std::string_view to = spec.substr(dash + 1);
    std::uint64_t first = 0, last = 0;
    if (from.empty()) { // the last N bytes
        if (!number(to, last))
            return whole;
        if (last == 0 || size == 0)
            return {ByteRange::Kind::Unsatisfiable, 0, 0};
        const std::uint64_t length = last < size ? last : size;
        return {ByteRange::Kind::Partial, size - length, length};
    }
    if (!number(from, first) || (!to.empty() && !number(to, last)))
        return whole;
    if (!to.empty() && last < first)
        return whole; // invalid: ignored
    if (first >= size)
        return {ByteRange::Kind::Unsatisfiable, 0, 0};
    if (to.empty() || last >= size)
        last = size - 1;
    return {ByteRange::Kind::Partial, first, last - first + 1};
}

} // namespace pistream
