#pragma once

#include <cstdint>
#include <string_view>

namespace pistream {

// What a Range header asks of a file of `size` bytes (RFC 9110 14.2): one
// range of bytes, or the whole file when there is no header or one this
// server does not do (several ranges, another unit, bad syntax: RFC 9110 lets
// a server ignore those), or nothing it can give (416).
struct ByteRange {
    enum class Kind { Whole, Partial, Unsatisfiable };
    Kind kind = Kind::Whole;
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};

// "bytes=0-99", "bytes=100-", "bytes=-500". Pure.
ByteRange parseByteRange(std::string_view header, std::uint64_t size);

} // namespace pistream
