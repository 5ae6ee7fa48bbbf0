#pragma once

#include <cstdint>
#include <span>
#include <system_error>

#include "core/byte_buffer.h"

namespace pistream {

// Inflates one gzip member into exactly `expected` bytes, never more: output is
// written into a buffer of that size and inflation stops the moment the member
// tries to go past it, so a gzip bomb costs at most `expected` bytes of memory.
// The caller has already checked `expected` against its caps.
class GzipInflater {
public:
    GzipInflater();
    ~GzipInflater();
    GzipInflater(const GzipInflater&) = delete;
    GzipInflater& operator=(const GzipInflater&) = delete;

    // Errc::InflateFailed (corrupt, trailing bytes), InflateOverflow, InflateShort.
    std::error_code inflate(std::span<const std::uint8_t> input, std::size_t expected,
                            ByteBuffer& out);

private:
    struct State;
    State* state_;
};

} // namespace pistream
