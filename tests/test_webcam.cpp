// What USB webcams need below the device: Motion JPEG without Huffman tables
// made complete, YUYV converted to 4:2:0 planes, and the choice among the
// formats real webcams report.

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>

#include <doctest/doctest.h>

#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "codec/jpeg_syntax.h"
#include "codec/jpeg_tables.h"
#include "codec/yuyv_converter.h"
#include "support/printers.h"
#include "support/test_images.h"

using namespace pistream;
using namespace pistream::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes completed(const Bytes& jpeg)
{
    ByteBuffer out;
    REQUIRE(insertStandardHuffmanTables(jpeg, out));
    return {out.data(), out.data() + out.size()};
}

// The decoded planes, without padding, as libjpeg-turbo gives them.
Bytes pixelsOf(const Bytes& jpeg)
{
    JpegDecoder decoder;
    YuvImage image;
    REQUIRE_FALSE(decoder.decode(jpeg, 8192, 8192, image));
    Bytes pixels;
    for (std::size_t plane = 0; plane < 3; ++plane)
        for (int row = 0; row < image.planeHeights[plane]; ++row) {
            const std::uint8_t* start = image.planes[plane] + row * image.strides[plane];
            pixels.insert(pixels.end(), start, start + image.planeWidths[plane]);
        }
    return pixels;
}

// What ffmpeg decodes the JPEG to (raw planes), or nothing if it refuses it.
Bytes ffmpegPixels(const Bytes& jpeg)
{
    const TempDir dir;
    writeFile(dir.file("in.jpg"), jpeg);
    const std::string command = "ffmpeg -nostdin -loglevel error -f mjpeg -i '" +
                                dir.file("in.jpg").string() + "' -f rawvideo '" +
                                dir.file("out.yuv").string() + "'";
    if (std::system(command.c_str()) != 0)
        return {};
    std::ifstream file(dir.file("out.yuv"), std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

Bytes firstFrameOf(const char* file)
{
    std::ifstream in(dataDir() / file, std::ios::binary);
    const Bytes all{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto end = findJpegEnd(all, 0);
    REQUIRE(end);
    return {all.begin(), all.begin() + static_cast<long>(*end)};
}

} // namespace

TEST_CASE("Motion JPEG without Huffman tables gets the standard ones, and the same pixels")
{
    // Both write the standard tables, as webcams use them (ffmpeg's own
    // default, optimised tables, would not survive being replaced).
    JpegEncoder encoder(85);
    ByteBuffer encoded;
    encoder.encode(makePicture(96, 64, 0, 4).frame(), encoded);
    const std::vector<std::pair<std::string, Bytes>> originals = {
        {"ours_420", Bytes(encoded.data(), encoded.data() + encoded.size())},
        {"ffmpeg_422", firstFrameOf("ffmpeg_64x48_422_std.mjpeg")}};
    for (const auto& [name, original] : originals) {
        CAPTURE(name);
        REQUIRE(hasHuffmanTables(original));
        const Bytes bare = withoutHuffmanTables(original);
        REQUIRE(bare.size() < original.size());
        CHECK_FALSE(hasHuffmanTables(bare));

        const Bytes fixed = completed(bare);
        CHECK(hasHuffmanTables(fixed));
        CHECK(fixed.size() == bare.size() + 420); // one DHT segment with all four tables
        CHECK(pixelsOf(fixed) == pixelsOf(original));
        // An independent decoder agrees, and the fixed frame stands alone.
        const Bytes reference = ffmpegPixels(original);
        REQUIRE_FALSE(reference.empty());
        CHECK(ffmpegPixels(fixed) == reference);
    }
    ByteBuffer out;
    CHECK_FALSE(insertStandardHuffmanTables(Bytes{0xFF, 0xD8, 0xFF, 0xD9}, out)); // no scan
    CHECK_FALSE(insertStandardHuffmanTables(Bytes{0x89, 'P', 'N', 'G'}, out));
    CHECK_FALSE(hasHuffmanTables(Bytes{0xFF, 0xD8, 0xFF}));
}

TEST_CASE("YUYV becomes 4:2:0 planes: luma as it was, chroma the rounded mean of two rows")
{
    for (const auto& size : {std::pair{64, 48}, {66, 50}, {34, 18}, {2, 2}}) {
        const int width = size.first, height = size.second;
        const int stride = width * 2 + 12; // padded rows, as cameras' buffers have
        CAPTURE(width);
        CAPTURE(height);
        Bytes packed(static_cast<std::size_t>(stride * height));
        std::mt19937 random(static_cast<unsigned>(width));
        for (auto& byte : packed)
            byte = static_cast<std::uint8_t>(random());
        RawFrame yuyv;
        yuyv.format = PixelFormat::Yuyv;
        yuyv.width = width;
        yuyv.height = height;
        yuyv.planes[0] = {packed.data(), stride};
        yuyv.sequence = 9;
        yuyv.captureMicros = 1234;

        YuyvConverter converter;
        const RawFrame& out = converter.toYuv420(yuyv);
        REQUIRE(out.format == PixelFormat::Yuv420);
        CHECK(out.width == width);
        CHECK(out.sequence == 9);
        CHECK(out.captureMicros == 1234);
        const auto at = [&](int row, int byte) {
            return packed[static_cast<std::size_t>(row * stride + byte)];
        };
        int wrong = 0;
        for (int row = 0; row < height; ++row)
            for (int col = 0; col < width; ++col)
                wrong += out.planes[0].data[row * out.planes[0].stride + col] != at(row, 2 * col);
        for (int row = 0; row < height / 2; ++row)
            for (int col = 0; col < width / 2; ++col)
                for (const std::size_t plane : {1U, 2U}) {
                    const int offset = 4 * col + (plane == 1 ? 1 : 3);
                    const int mean = (at(2 * row, offset) + at(2 * row + 1, offset) + 1) / 2;
                    wrong += out.planes[plane].data[row * out.planes[plane].stride + col] != mean;
                }
        CHECK(wrong == 0);
    }
}
