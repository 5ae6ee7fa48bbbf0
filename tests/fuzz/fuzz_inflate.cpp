// The capped inflate path on hostile gzip members: the first 3 bytes are the
// size the frame header declared (up to 16 MiB), the rest is the member.
// Checked: memory stays within the declared size (a gzip bomb cannot grow
// it), and whatever inflates matches what zlib itself makes of the member.

#include <cstdlib>
#include <vector>

#include <zlib.h>

#include "codec/gzip_inflater.h"

namespace {

pistream::GzipInflater inflater;
pistream::ByteBuffer out;

// zlib's own reading of the member, up to `limit` bytes; nothing if it is not
// one complete member.
bool zlibInflate(std::span<const std::uint8_t> input, std::size_t limit,
                 std::vector<std::uint8_t>& result)
{
    z_stream stream{};
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
        return false;
    result.assign(limit + 1, 0);
    stream.next_in = const_cast<Bytef*>(input.data());
    stream.avail_in = static_cast<uInt>(input.size());
    stream.next_out = result.data();
    stream.avail_out = static_cast<uInt>(result.size());
    const int status = inflate(&stream, Z_FINISH);
    result.resize(stream.total_out);
    const bool whole = status == Z_STREAM_END && stream.avail_in == 0;
    inflateEnd(&stream);
    return whole;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 3)
        return 0;
    const std::size_t expected =
        (std::size_t{data[0]} << 16 | std::size_t{data[1]} << 8 | data[2]) % (16u << 20);
    const std::span<const std::uint8_t> member(data + 3, size - 3);
    const auto error = inflater.inflate(member, expected, out);
    if (out.size() > expected)
        std::abort();
    if (!error) {
        std::vector<std::uint8_t> reference;
        if (out.size() != expected || !zlibInflate(member, expected, reference) ||
            reference.size() != expected ||
            !std::equal(reference.begin(), reference.end(), out.data()))
            std::abort();
    }
    return 0;
}
