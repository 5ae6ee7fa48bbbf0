#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace pistream {

// A growable byte buffer that never zero-fills (unlike std::vector::resize), so a
// buffer reused frame after frame costs nothing once it has reached its size.
class ByteBuffer {
public:
    ByteBuffer() = default;
    explicit ByteBuffer(std::size_t capacity) { reserve(capacity); }

    void reserve(std::size_t capacity)
    {
        if (capacity <= capacity_)
            return;
        auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
        if (size_ > 0)
            std::memcpy(bigger.get(), data_.get(), size_);
        data_ = std::move(bigger);
        capacity_ = capacity;
    }

    // Sets the size; grows the capacity if needed, keeping the first size() bytes.
    void resize(std::size_t size)
    {
        reserve(size);
        size_ = size;
    }

    void assign(std::span<const std::uint8_t> bytes)
    {
        size_ = 0;
        resize(bytes.size());
        if (!bytes.empty())
            std::memcpy(data_.get(), bytes.data(), bytes.size());
    }

    // Adds bytes at the end (reserve() first to grow only once).
    void append(std::span<const std::uint8_t> bytes)
    {
        const std::size_t at = size_;
        resize(size_ + bytes.size());
        if (!bytes.empty())
            std::memcpy(data_.get() + at, bytes.data(), bytes.size());
    }

    void clear() { size_ = 0; }

    std::uint8_t* data() { return data_.get(); }
    const std::uint8_t* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    bool empty() const { return size_ == 0; }
    std::span<const std::uint8_t> span() const { return {data_.get(), size_}; }

private:
    std::unique_ptr<std::uint8_t[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

} // namespace pistream
