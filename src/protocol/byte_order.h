#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace pistream {

// Big-endian (network order) field access for the wire protocol.

template <typename T> void putBigEndian(std::uint8_t* out, T value)
{
    for (std::size_t i = 0; i < sizeof(T); ++i)
        out[i] = static_cast<std::uint8_t>(value >> (8 * (sizeof(T) - 1 - i)));
}

template <typename T> T getBigEndian(const std::uint8_t* in)
{
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        value = static_cast<T>((value << 8) | in[i]);
    return value;
}

// Sequential reader over a message body; reads past the end return false.
class FieldReader {
public:
    explicit FieldReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    template <typename T> bool read(T& value)
    {
        if (bytes_.size() - offset_ < sizeof(T))
            return false;
        value = getBigEndian<T>(bytes_.data() + offset_);
        offset_ += sizeof(T);
        return true;
    }

    std::span<const std::uint8_t> rest() const { return bytes_.subspan(offset_); }

private:
    std::span<const std::uint8_t> bytes_;
    std::size_t offset_ = 0;
};

} // namespace pistream
