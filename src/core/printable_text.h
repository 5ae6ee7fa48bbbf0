#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace pistream {

// A peer's text as it may be logged, drawn or put in JSON: well-formed UTF-8
// without control characters stays; any other byte becomes \xNN (a line
// break, an escape sequence meant for the terminal reading the log). What the
// escapes make longer is cut at `maxSize`, at a character's boundary, so the
// text escapes again unchanged. Used for the protocol's texts and for what
// browsers send that is logged.
std::string escapeText(std::span<const std::uint8_t> bytes, std::size_t maxSize);
std::string escapeText(std::string_view text, std::size_t maxSize);

} // namespace pistream
