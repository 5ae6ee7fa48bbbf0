// What USB webcams need below the device: Motion JPEG without Huffman tables
// made complete, YUYV converted to 4:2:0 planes, and the choice among the
// formats real webcams report.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>

#include <doctest/doctest.h>

#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "codec/jpeg_syntax.h"
#include "codec/jpeg_tables.h"
#include "codec/yuyv_converter.h"
#include "sources/camera_settings.h"
#include "sources/v4l2_rates.h"
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

// The offers in a `v4l2-ctl --list-formats-ext` listing, as the camera source
// turns libcamera's stream formats into them: one per format and size, with
// its fastest rate; formats pistream does not read (H.264) left out.
std::vector<CameraFormatOffer> offersIn(const char* file)
{
    std::ifstream in(dataDir() / "v4l2" / file);
    REQUIRE(in);
    std::vector<CameraFormatOffer> offers;
    std::optional<PixelFormat> format;
    const std::regex fourcc(R"(\[\d+\]: '(\w+)')"), size(R"(Size: Discrete (\d+)x(\d+))"),
        rate(R"(\(([\d.]+) fps\))");
    std::smatch match;
    for (std::string line; std::getline(in, line);) {
        if (std::regex_search(line, match, fourcc)) {
            format = match[1] == "MJPG"   ? std::optional(PixelFormat::Mjpeg)
                     : match[1] == "YUYV" ? std::optional(PixelFormat::Yuyv)
                                          : std::nullopt;
        } else if (format && std::regex_search(line, match, size)) {
            offers.push_back({*format, std::stoi(match[1]), std::stoi(match[2]), 0});
        } else if (format && std::regex_search(line, match, rate)) {
            offers.back().maxFps = std::max(offers.back().maxFps, std::stod(match[1]));
        }
    }
    return offers;
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
    for (const auto& entry : originals) {
        const std::string& name = entry.first; // (clang 14 cannot capture structured bindings)
        const Bytes& original = entry.second;
        CAPTURE(name);
        REQUIRE(hasHuffmanTables(original));
        const Bytes bare = withoutHuffmanTables(original);
        REQUIRE(bare.size() < original.size());
        CHECK_FALSE(hasHuffmanTables(bare));

        const Bytes fixed = completed(bare);
        CHECK(hasHuffmanTables(fixed));
        CHECK(fixed.size() == bare.size() + 420); // one DHT segment with all four tables
        CHECK(pixelsOf(fixed) == pixelsOf(original));
    }
    ByteBuffer out;
    CHECK_FALSE(insertStandardHuffmanTables(Bytes{0xFF, 0xD8, 0xFF, 0xD9}, out)); // no scan
    CHECK_FALSE(insertStandardHuffmanTables(Bytes{0x89, 'P', 'N', 'G'}, out));
    CHECK_FALSE(hasHuffmanTables(Bytes{0xFF, 0xD8, 0xFF}));
}

// Runs ffmpeg, so it is labelled e2e (tests/CMakeLists.txt), not unit.
TEST_CASE("Motion JPEG given the standard tables decodes alone in an independent decoder (ffmpeg)")
{
    JpegEncoder encoder(85);
    ByteBuffer encoded;
    encoder.encode(makePicture(96, 64, 0, 4).frame(), encoded);
    for (const Bytes& original : {Bytes(encoded.data(), encoded.data() + encoded.size()),
                                  firstFrameOf("ffmpeg_64x48_422_std.mjpeg")}) {
        const Bytes reference = ffmpegPixels(original);
        REQUIRE_FALSE(reference.empty());
        CHECK(ffmpegPixels(completed(withoutHuffmanTables(original))) == reference);
    }
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

TEST_CASE("the format and size asked of a webcam, from what real webcams report")
{
    const auto c920 = offersIn("logitech_c920.txt");
    REQUIRE(c920.size() == 19 + 17); // YUYV and MJPEG, not H.264
    // MJPEG where it reaches the size and rate: nothing to encode.
    CHECK(chooseCameraFormat(c920, 1920, 1080, 30) ==
          CameraFormatChoice{PixelFormat::Mjpeg, 1920, 1080});
    CHECK(chooseCameraFormat(c920, 1280, 720, 30) ==
          CameraFormatChoice{PixelFormat::Mjpeg, 1280, 720});
    // At the same size and rate MJPEG is still first; asked for, YUYV.
    CHECK(chooseCameraFormat(c920, 640, 480, 30).format == PixelFormat::Mjpeg);
    CHECK(chooseCameraFormat(c920, 640, 480, 30, "yuyv") ==
          CameraFormatChoice{PixelFormat::Yuyv, 640, 480});
    // A size it does not list: the nearest by area (960x720 for 1024x768).
    CHECK(chooseCameraFormat(c920, 1024, 768, 30) ==
          CameraFormatChoice{PixelFormat::Mjpeg, 960, 720});
    CHECK(chooseCameraFormat(c920, 4000, 3000, 30) ==
          CameraFormatChoice{PixelFormat::Yuyv, 2304, 1536}); // its largest, at 2 fps

    const auto c270 = offersIn("logitech_c270.txt");
    CHECK(chooseCameraFormat(c270, 1280, 720, 30) ==
          CameraFormatChoice{PixelFormat::Mjpeg, 1280, 720});
    // YUYV reaches 1280x720 only at 7.5 fps: asked for YUYV, the size stays
    // (the rate is the camera's, and the source says so), as for a Pi camera.
    CHECK(chooseCameraFormat(c270, 1280, 720, 30, "yuyv") ==
          CameraFormatChoice{PixelFormat::Yuyv, 1280, 720});

    const auto laptop = offersIn("laptop_integrated.txt");
    CHECK(chooseCameraFormat(laptop, 1280, 720, 30).format == PixelFormat::Mjpeg);
    CHECK(chooseCameraFormat(laptop, 320, 240, 30) ==
          CameraFormatChoice{PixelFormat::Yuyv, 320, 240}); // only YUYV has it
    CHECK(chooseCameraFormat(laptop, 1920, 1080, 30) ==
          CameraFormatChoice{PixelFormat::Mjpeg, 1280, 720});

    const auto vga = offersIn("yuyv_only_vga.txt");
    CHECK(chooseCameraFormat(vga, 1280, 720, 30) ==
          CameraFormatChoice{PixelFormat::Yuyv, 640, 480});
    CHECK_THROWS_WITH_AS(chooseCameraFormat(vga, 640, 480, 30, "mjpeg"),
                         "--camera-format mjpeg: the camera offers only YUYV", std::runtime_error);
    CHECK_THROWS_WITH_AS(chooseCameraFormat(vga, 640, 480, 30, "h264"),
                         "--camera-format h264: expected auto, yuv420, mjpeg or yuyv",
                         std::runtime_error);
    CHECK_THROWS_AS(chooseCameraFormat({}, 640, 480, 30), std::runtime_error);
}

TEST_CASE("a Pi camera's ISP makes 4:2:0 at any size, and is chosen first")
{
    // libcamera on a Pi: YUV 4:2:0 scaled by the ISP (and MJPEG nowhere).
    const std::vector<CameraFormatOffer> pi = {{PixelFormat::Yuv420, 0, 0, 0}};
    CHECK(chooseCameraFormat(pi, 1296, 972, 46) ==
          CameraFormatChoice{PixelFormat::Yuv420, 1296, 972});
    // A webcam that also lists 4:2:0 sizes: those first at the same size.
    const std::vector<CameraFormatOffer> both = {{PixelFormat::Mjpeg, 640, 480, 30},
                                                 {PixelFormat::Yuv420, 640, 480, 30}};
    CHECK(chooseCameraFormat(both, 640, 480, 30).format == PixelFormat::Yuv420);
    CHECK_THROWS_WITH_AS(chooseCameraFormat(pi, 640, 480, 30, "mjpeg"),
                         "--camera-format mjpeg: the camera offers only YUV 4:2:0",
                         std::runtime_error);
}

TEST_CASE("cameras are numbered built-in first, so `camera` prefers the Pi's over a webcam")
{
    CHECK(cameraOrder({}).empty());
    CHECK(cameraOrder({true, false}) == std::vector<std::size_t>{1, 0});
    CHECK(cameraOrder({false, true, false, true}) == std::vector<std::size_t>{0, 2, 1, 3});
    CHECK(cameraOrder({true, true}) == std::vector<std::size_t>{0, 1});
}

TEST_CASE("--list-cameras shows a webcam's formats, sizes and rates")
{
    CameraDescription webcam;
    webcam.id = "/base/scb/pcie@7d500000/pci@0,0/usb@0,0-1.2:1.0-046d:0825";
    webcam.model = "HD Webcam C270";
    webcam.external = true;
    webcam.offers = {{PixelFormat::Mjpeg, 1280, 720, 30},
                     {PixelFormat::Mjpeg, 640, 480, 0},
                     {PixelFormat::Yuyv, 640, 480, 30}};
    const std::string text = formatCameraList({webcam}, "0.0.3");
    CHECK(text.find("0: HD Webcam C270 (" + webcam.id + ") USB  --source camera:0\n") !=
          std::string::npos);
    CHECK(text.find("   MJPEG: 1280x720 (30 fps), 640x480\n") != std::string::npos);
    CHECK(text.find("   YUYV: 640x480 (30 fps)\n") != std::string::npos);
}

TEST_CASE("a webcam's rates come from its V4L2 device, found by its USB vendor and product")
{
    CHECK(usbIdOf("/base/scb/pcie@7d500000/pci@0,0/usb@0,0-1.2:1.0-046d:0825") == "046d:0825");
    CHECK(usbIdOf("\\_SB_.PCI0.XHC_.RHUB.HS05-5:1.0-04F2:B6D9") == "04f2:b6d9");
    CHECK(usbIdOf("/base/soc/i2c0mux/i2c@1/imx219@10").empty());
    CHECK(usbIdOf("-zzzz:0825").empty());
    CHECK(usbIdOf("").empty());

    // A sysfs tree like the kernel's: video0's device is the USB interface,
    // the USB device above it has the ids. Nothing to open in /dev here, so
    // no rates, and no error either.
    const TempDir sys;
    const auto usb = sys.path() / "devices/usb1/1-2";
    std::filesystem::create_directories(usb / "1-2:1.0");
    std::ofstream(usb / "idVendor") << "046d\n";
    std::ofstream(usb / "idProduct") << "0825\n";
    std::filesystem::create_directories(sys.path() / "class/video4linux/video97");
    std::filesystem::create_symlink(usb / "1-2:1.0",
                                    sys.path() / "class/video4linux/video97/device");
    CHECK(usbCameraRates("046d:0825", sys.path().string()).empty());
    CHECK(usbCameraRates("", sys.path().string()).empty());
    CHECK(usbCameraRates("046d:0825", (sys.path() / "missing").string()).empty());

    std::vector<CameraFormatOffer> offers = {{PixelFormat::Mjpeg, 1280, 720, 0},
                                             {PixelFormat::Yuyv, 1280, 720, 0},
                                             {PixelFormat::Yuyv, 640, 480, 0}};
    applyRates(offers, offersIn("logitech_c270.txt"));
    CHECK(offers[0].maxFps == 30);
    CHECK(offers[1].maxFps == 7.5);
    CHECK(offers[2].maxFps == 30);
}
