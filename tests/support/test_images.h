#pragma once

// Pictures and files the tests make themselves.

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/byte_buffer.h"
#include "core/raw_frame.h"

namespace pistream::test {

// A YUV 4:2:0 picture with smooth gradients and some detail, stored with the
// given padding at the end of every row (stride = width + padding).
struct YuvPicture {
    int width = 0;
    int height = 0;
    int padding = 0;
    std::vector<std::uint8_t> y, u, v;

    RawFrame frame() const;
    int lumaStride() const { return width + padding; }
    int chromaStride() const { return chromaSize(width) + padding; }
};

YuvPicture makePicture(int width, int height, int padding, int seed = 0);

// The parts one after another.
std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts);

// The same JPEG with another size written into its frame header (SOF), found
// with the JPEG marker reader. Throws std::invalid_argument if it has none.
std::vector<std::uint8_t> claimingSize(std::vector<std::uint8_t> jpeg, int width, int height);

// The same JPEG without its DHT segments: what an "AVI1" webcam sends.
std::vector<std::uint8_t> withoutHuffmanTables(const std::vector<std::uint8_t>& jpeg);

// PSNR of two luma planes of the same size, in dB (infinity when identical).
double lumaPsnr(const YuvPicture& a, const std::uint8_t* b, int bStride);

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path file(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

void writeFile(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);
void writeFile(const std::filesystem::path& path, const std::string& text);
std::vector<std::uint8_t> readFile(const std::filesystem::path& path);

// Packed planes of a picture as a y4m frame body (no FRAME line).
std::vector<std::uint8_t> packedPlanes(const YuvPicture& picture);

// The directory of checked-in test data (tests/data).
std::filesystem::path dataDir();

// Footage with known truth for the recorder, 10 fps, 160x120: a still scene
// for 4 s, a dark square crossing it for 2 s (frames 40..59), still again
// for 10 s; the y4m source loops it, so the movement comes back every 16 s.
// Written as dir/moving.y4m.
std::filesystem::path movingFootage(const TempDir& dir);

} // namespace pistream::test
