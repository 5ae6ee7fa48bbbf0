#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/byte_buffer.h"

namespace pistream {

enum class GzipStrategy { Default, Filtered, HuffmanOnly, Rle };

// Parses "default", "filtered", "huffman" or "rle"; throws std::invalid_argument.
GzipStrategy parseGzipStrategy(const std::string& text);
const char* nameOf(GzipStrategy strategy);

// Writes each input as one complete RFC 1952 gzip member (zlib deflate with the
// gzip wrapper). The zlib state is allocated once and reset per frame.
class GzipCompressor {
public:
    GzipCompressor(int level, GzipStrategy strategy);
    ~GzipCompressor();
    GzipCompressor(const GzipCompressor&) = delete;
    GzipCompressor& operator=(const GzipCompressor&) = delete;

    void compress(std::span<const std::uint8_t> input, ByteBuffer& out);

    int level() const { return level_; }

private:
    struct State;
    State* state_;
    int level_;
};

} // namespace pistream
