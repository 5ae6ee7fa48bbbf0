#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/raw_frame.h"

namespace pistream {

// A read-only memory map of a whole file. File sources lend frames straight out
// of the mapping, so a frame travels from the page cache to the encoder (or, for
// MJPEG, to the socket) without being copied.
class MappedFile {
public:
    // Throws std::runtime_error with the path and the reason.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

// Lends a frame whose pixels live in `file`: the mapping stays alive while any
// holder keeps the frame. One allocation, no pixel copy.
FramePtr lendFromFile(std::shared_ptr<const MappedFile> file, const RawFrame& frame);

} // namespace pistream
