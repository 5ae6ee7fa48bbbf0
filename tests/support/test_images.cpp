#include "support/test_images.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <stdexcept>
#include <unistd.h>

#include "codec/jpeg_syntax.h"

namespace pistream::test {

RawFrame YuvPicture::frame() const
{
    RawFrame frame;
    frame.width = width;
    frame.height = height;
    frame.planes = {Plane{y.data(), lumaStride()}, Plane{u.data(), chromaStride()},
                    Plane{v.data(), chromaStride()}};
    return frame;
}

YuvPicture makePicture(int width, int height, int padding, int seed)
{
    YuvPicture picture{width, height, padding, {}, {}, {}};
    const int cw = chromaSize(width), ch = chromaSize(height);
    picture.y.assign(static_cast<std::size_t>(picture.lumaStride() * height), 0xEE);
    picture.u.assign(static_cast<std::size_t>(picture.chromaStride() * ch), 0xEE);
    picture.v.assign(static_cast<std::size_t>(picture.chromaStride() * ch), 0xEE);
    std::mt19937 random(static_cast<unsigned>(seed));
    std::uniform_int_distribution<int> noise(-6, 6);
    for (int row = 0; row < height; ++row)
        for (int col = 0; col < width; ++col) {
            const double value =
                128 + 80 * std::sin((col + seed * 7) / 9.0) * std::cos(row / 13.0) + noise(random);
            picture.y[static_cast<std::size_t>(row * picture.lumaStride() + col)] =
                static_cast<std::uint8_t>(std::clamp(value, 16.0, 235.0));
        }
    for (int row = 0; row < ch; ++row)
        for (int col = 0; col < cw; ++col) {
            const auto at = static_cast<std::size_t>(row * picture.chromaStride() + col);
            picture.u[at] = static_cast<std::uint8_t>(64 + (col * 128) / std::max(1, cw));
            picture.v[at] = static_cast<std::uint8_t>(64 + (row * 128) / std::max(1, ch));
        }
    return picture;
}

std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts)
{
    std::vector<std::uint8_t> out;
    for (const auto& part : parts)
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

std::vector<std::uint8_t> claimingSize(std::vector<std::uint8_t> jpeg, int width, int height)
{
    JpegHeader header;
    if (readJpegHeader(jpeg, header) != JpegSyntaxError::None)
        throw std::invalid_argument("claimingSize: not a JPEG with a frame header");
    std::uint8_t* sof = jpeg.data() + header.sof; // marker, length, precision, height, width
    sof[5] = static_cast<std::uint8_t>(height >> 8);
    sof[6] = static_cast<std::uint8_t>(height);
    sof[7] = static_cast<std::uint8_t>(width >> 8);
    sof[8] = static_cast<std::uint8_t>(width);
    return jpeg;
}

std::vector<std::uint8_t> withoutHuffmanTables(const std::vector<std::uint8_t>& jpeg)
{
    JpegMarkerReader reader(jpeg);
    JpegSegment segment;
    std::vector<std::uint8_t> out;
    std::size_t copied = 0;
    while (reader.next(segment) && segment.marker != jpeg_marker::kSos) {
        if (segment.marker != jpeg_marker::kDht)
            continue;
        out.insert(out.end(), jpeg.begin() + static_cast<long>(copied),
                   jpeg.begin() + static_cast<long>(segment.offset));
        copied = segment.end();
    }
    out.insert(out.end(), jpeg.begin() + static_cast<long>(copied), jpeg.end());
    return out;
}

double lumaPsnr(const YuvPicture& a, const std::uint8_t* b, int bStride)
{
    double squared = 0;
    for (int row = 0; row < a.height; ++row)
        for (int col = 0; col < a.width; ++col) {
            const double diff = a.y[static_cast<std::size_t>(row * a.lumaStride() + col)] -
                                b[static_cast<std::size_t>(row * bStride + col)];
            squared += diff * diff;
        }
    const double mse = squared / (a.width * a.height);
    return mse == 0 ? std::numeric_limits<double>::infinity()
                    : 10 * std::log10(255.0 * 255.0 / mse);
}

TempDir::TempDir()
{
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pistream-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void writeFile(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

void writeFile(const std::filesystem::path& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

std::vector<std::uint8_t> readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::uint8_t> packedPlanes(const YuvPicture& picture)
{
    std::vector<std::uint8_t> out;
    const auto copy = [&](const std::vector<std::uint8_t>& plane, int width, int height,
                          int stride) {
        for (int row = 0; row < height; ++row)
            out.insert(out.end(), plane.begin() + row * stride,
                       plane.begin() + row * stride + width);
    };
    copy(picture.y, picture.width, picture.height, picture.lumaStride());
    copy(picture.u, chromaSize(picture.width), chromaSize(picture.height), picture.chromaStride());
    copy(picture.v, chromaSize(picture.width), chromaSize(picture.height), picture.chromaStride());
    return out;
}

std::filesystem::path dataDir()
{
    return PISTREAM_TEST_DATA_DIR;
}

// Footage with known truth for the recorder, 10 fps, 160x120: a still scene
// for 4 s, a dark square crossing it for 2 s (frames 40..59), still again
// for 10 s; the y4m source loops it, so the movement comes back every 16 s.
std::filesystem::path movingFootage(const TempDir& dir)
{
    const int width = 160, height = 120;
    const YuvPicture scene = makePicture(width, height, 0);
    std::vector<std::uint8_t> file;
    const std::string header = "YUV4MPEG2 W160 H120 F10:1 Ip A1:1 C420jpeg\n";
    file.insert(file.end(), header.begin(), header.end());
    for (int index = 0; index < 160; ++index) {
        YuvPicture picture = scene;
        if (index >= 40 && index < 60) {
            const int left = (index - 40) * 6;
            for (int y = 40; y < 80; ++y)
                for (int x = left; x < left + 30 && x < width; ++x)
                    picture.y[static_cast<std::size_t>(y * width + x)] = 16;
        }
        const std::string frame = "FRAME\n";
        file.insert(file.end(), frame.begin(), frame.end());
        const auto planes = packedPlanes(picture);
        file.insert(file.end(), planes.begin(), planes.end());
    }
    const auto path = dir.file("moving.y4m");
    writeFile(path, file);
    return path;
}

} // namespace pistream::test
