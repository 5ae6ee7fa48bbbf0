#include "codec/gzip_inflater.h"

#include <limits>
#include <stdexcept>

#include <zlib.h>

#include "core/error.h"

namespace pistream {

struct GzipInflater::State {
    z_stream stream{};
};

GzipInflater::GzipInflater() : state_(new State)
{
    if (inflateInit2(&state_->stream, 16 + 15) != Z_OK) { // gzip wrapper only
        delete state_;
        throw std::runtime_error("cannot initialise zlib inflate");
    }
}

GzipInflater::~GzipInflater()
{
    inflateEnd(&state_->stream);
    delete state_;
}

std::error_code GzipInflater::inflate(std::span<const std::uint8_t> input, std::size_t expected,
                                      ByteBuffer& out)
{
    if (input.size() > std::numeric_limits<uInt>::max() ||
        expected > std::numeric_limits<uInt>::max())
        return Errc::InflateFailed;
    z_stream& zs = state_->stream;
    inflateReset(&zs);
    out.clear();
    out.reserve(expected);
    zs.next_in = const_cast<Bytef*>(input.data());
    zs.avail_in = static_cast<uInt>(input.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(expected);

    int result = ::inflate(&zs, Z_FINISH);
    if (result == Z_BUF_ERROR && zs.avail_out == 0) {
        // Output is full but the member is not finished: would it produce more?
        std::uint8_t probe = 0;
        zs.next_out = &probe;
        zs.avail_out = 1;
        result = ::inflate(&zs, Z_FINISH);
        if (zs.avail_out == 0)
            return Errc::InflateOverflow;
    }
    if (result != Z_STREAM_END)
        return zs.avail_in == 0 && result == Z_BUF_ERROR ? Errc::InflateShort : Errc::InflateFailed;
    if (zs.avail_in != 0)
        return Errc::InflateFailed; // bytes after the member
    if (zs.total_out != expected)
        return Errc::InflateShort;
    out.resize(expected);
    return {};
}

} // namespace pistream
