#include "codec/gzip_compressor.h"

#include <stdexcept>

#include <zlib.h>

namespace pistream {

namespace {

constexpr int kGzipWindowBits = 15 + 16; // +16: gzip wrapper instead of zlib's

int toZlib(GzipStrategy strategy)
{
    switch (strategy) {
    case GzipStrategy::Default:
        return Z_DEFAULT_STRATEGY;
    case GzipStrategy::Filtered:
        return Z_FILTERED;
    case GzipStrategy::HuffmanOnly:
        return Z_HUFFMAN_ONLY;
    case GzipStrategy::Rle:
        return Z_RLE;
    }
    return Z_DEFAULT_STRATEGY;
}

} // namespace

GzipStrategy parseGzipStrategy(const std::string& text)
{
    if (text == "default")
        return GzipStrategy::Default;
    if (text == "filtered")
        return GzipStrategy::Filtered;
    if (text == "huffman")
        return GzipStrategy::HuffmanOnly;
    if (text == "rle")
        return GzipStrategy::Rle;
    throw std::invalid_argument("gzip strategy must be default, filtered, huffman or rle, not '" +
                                text + "'");
}

const char* nameOf(GzipStrategy strategy)
{
    switch (strategy) {
    case GzipStrategy::Default:
        return "default";
    case GzipStrategy::Filtered:
        return "filtered";
    case GzipStrategy::HuffmanOnly:
        return "huffman";
    case GzipStrategy::Rle:
        return "rle";
    }
    return "default";
}

struct GzipCompressor::State {
    z_stream stream{};
};

GzipCompressor::GzipCompressor(int level, GzipStrategy strategy) : state_(new State), level_(level)
{
    if (level < 1 || level > 9) {
        delete state_;
        throw std::invalid_argument("gzip level must be 1..9");
    }
    if (deflateInit2(&state_->stream, level, Z_DEFLATED, kGzipWindowBits, 8, toZlib(strategy)) !=
        Z_OK) {
        delete state_;
        throw std::runtime_error("cannot initialise zlib deflate");
    }
}

GzipCompressor::~GzipCompressor()
{
    deflateEnd(&state_->stream);
    delete state_;
}

void GzipCompressor::compress(std::span<const std::uint8_t> input, ByteBuffer& out)
{
    z_stream& zs = state_->stream;
    deflateReset(&zs);
    const uLong bound = deflateBound(&zs, static_cast<uLong>(input.size()));
    out.clear();
    out.reserve(bound);
    zs.next_in = const_cast<Bytef*>(input.data());
    zs.avail_in = static_cast<uInt>(input.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(bound);
    // deflateBound() guarantees a single Z_FINISH call completes.
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        throw std::runtime_error("zlib deflate did not finish within its bound");
    out.resize(zs.total_out);
}

} // namespace pistream
