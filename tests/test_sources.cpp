#include <set>

#include <doctest/doctest.h>

#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "codec/jpeg_syntax.h"
#include "sources/mjpeg_source.h"
#include "sources/source_factory.h"
#include "sources/test_pattern_source.h"
#include "sources/y4m_source.h"
#include "support/frame_collector.h"
#include "support/printers.h"
#include "support/test_images.h"

using namespace pistream;
using namespace pistream::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes y4mFile(const std::string& header, const std::vector<YuvPicture>& pictures)
{
    Bytes file(header.begin(), header.end());
    for (const auto& picture : pictures) {
        const std::string tag = "FRAME\n";
        file.insert(file.end(), tag.begin(), tag.end());
        const auto planes = packedPlanes(picture);
        file.insert(file.end(), planes.begin(), planes.end());
    }
    return file;
}

Bytes jpegOf(const YuvPicture& picture, int quality = 80)
{
    JpegEncoder encoder(quality);
    ByteBuffer out;
    encoder.encode(picture.frame(), out);
    return {out.data(), out.data() + out.size()};
}

} // namespace

TEST_CASE("test pattern: right size, counting sequence, moving picture")
{
    TestPatternSource source(320, 240, 200);
    CHECK(source.format().width == 320);
    CHECK(source.format().fps() == doctest::Approx(200));
    const auto frames = collectFrames(source, 6);
    REQUIRE(frames.size() == 6);
    std::set<Bytes> distinct;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        CHECK(frames[i].width == 320);
        CHECK(frames[i].height == 240);
        CHECK(frames[i].bytes.size() == 320 * 240 + 2 * 160 * 120);
        if (i > 0) {
            CHECK(frames[i].sequence > frames[i - 1].sequence);
            CHECK(frames[i].captureMicros > frames[i - 1].captureMicros);
        }
        distinct.insert(frames[i].bytes);
    }
    CHECK(distinct.size() == frames.size()); // every frame differs: it is live
    // Not flat: the bars put many luma levels on screen.
    std::set<std::uint8_t> levels(frames[0].bytes.begin(), frames[0].bytes.begin() + 320 * 240);
    CHECK(levels.size() > 8);
}

TEST_CASE("test pattern at odd sizes")
{
    TestPatternSource source(33, 17, 200);
    const auto frames = collectFrames(source, 2);
    REQUIRE(frames.size() == 2);
    CHECK(frames[0].bytes.size() == 33 * 17 + 2 * 17 * 9);
}

TEST_CASE("y4m: frames come out as written, looping, at the file's rate")
{
    TempDir dir;
    std::vector<YuvPicture> pictures;
    for (int i = 0; i < 3; ++i)
        pictures.push_back(makePicture(34, 22, 0, i));
    writeFile(dir.file("clip.y4m"),
              y4mFile("YUV4MPEG2 W34 H22 F25:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n", pictures));

    Y4mSource source(dir.file("clip.y4m").string(), 0);
    CHECK(source.frameCount() == 3);
    CHECK(source.format().fpsNumerator == 25);
    CHECK(source.format().fpsDenominator == 1);
    CHECK(source.describe().find("3 frames") != std::string::npos);

    Y4mSource fast(dir.file("clip.y4m").string(), 500); // --fps wins over the header
    CHECK(fast.format().fps() == doctest::Approx(500));
    const auto frames = collectFrames(fast, 5);
    REQUIRE(frames.size() == 5);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        CAPTURE(i);
        CHECK(frames[i].bytes ==
              packedPlanes(pictures[static_cast<std::size_t>(frames[i].sequence % 3)]));
    }
}

TEST_CASE("y4m written by ffmpeg")
{
    Y4mSource source((dataDir() / "ffmpeg_64x48_25fps.y4m").string(), 400);
    CHECK(source.frameCount() == 3);
    CHECK(source.format().width == 64);
    CHECK(source.format().height == 48);
    const auto frames = collectFrames(source, 6);
    REQUIRE(frames.size() == 6);
    // The same file frame gives the same bytes, another frame other bytes.
    for (const auto& a : frames)
        for (const auto& b : frames)
            CHECK((a.bytes == b.bytes) == (a.sequence % 3 == b.sequence % 3));
}

TEST_CASE("malformed y4m files give one clear error")
{
    TempDir dir;
    const auto picture = makePicture(16, 16, 0);
    const auto expectError = [&](const Bytes& file, const std::string& needle) {
        writeFile(dir.file("bad.y4m"), file);
        try {
            Y4mSource source(dir.file("bad.y4m").string(), 0);
            FAIL("accepted a bad file; expected: " << needle);
        } catch (const std::runtime_error& error) {
            CHECK_MESSAGE(std::string(error.what()).find(needle) != std::string::npos,
                          error.what());
        }
    };
    expectError(y4mFile("YUV4MPEG3 W16 H16\n", {picture}), "signature");
    expectError(y4mFile("YUV4MPEG2 W16 H16 C422\n", {picture}), "not 4:2:0");
    expectError(y4mFile("YUV4MPEG2 W16 H16 C420p10\n", {picture}), "not 8-bit");
    expectError(y4mFile("YUV4MPEG2 H16\n", {picture}), "W/H");
    expectError(y4mFile("YUV4MPEG2 W16 H16 F30:0\n", {picture}), "frame rate");
    expectError(y4mFile("YUV4MPEG2 W16 H16\n", {}), "no complete frame");
    Bytes noTag = y4mFile("YUV4MPEG2 W16 H16\n", {picture});
    noTag[18] = 'X'; // FRAME -> XRAME
    expectError(noTag, "expected FRAME");
    expectError(Bytes(10, 'Y'), "signature");

    SUBCASE("a truncated last frame is dropped, the rest streams")
    {
        Bytes file = y4mFile("YUV4MPEG2 W16 H16\n", {picture, picture});
        file.resize(file.size() - 10);
        writeFile(dir.file("cut.y4m"), file);
        Y4mSource source(dir.file("cut.y4m").string(), 0);
        CHECK(source.frameCount() == 1);
        CHECK(source.format().fps() == doctest::Approx(30)); // default without F
    }
    SUBCASE("missing and empty files")
    {
        CHECK_THROWS_WITH_AS(Y4mSource(dir.file("none.y4m").string(), 0),
                             doctest::Contains("No such file"), std::runtime_error);
        writeFile(dir.file("empty.y4m"), Bytes{});
        CHECK_THROWS_WITH_AS(Y4mSource(dir.file("empty.y4m").string(), 0),
                             doctest::Contains("empty"), std::runtime_error);
        CHECK_THROWS_AS(Y4mSource(dir.path().string(), 0), std::runtime_error);
    }
}

TEST_CASE("findJpegEnd walks markers, stuffed bytes and restart markers")
{
    const Bytes jpeg = jpegOf(makePicture(40, 30, 0));
    CHECK(findJpegEnd(jpeg, 0) == jpeg.size());

    // Stuffed 0xFF00 and RSTn inside the scan do not end it.
    const Bytes handmade = {0xFF, 0xD8,                         // SOI
                            0xFF, 0xDA, 0x00, 0x02,             // SOS, empty header
                            0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, // data, stuffed, RST3
                            0x56, 0xFF, 0xD9};                  // data, EOI
    CHECK(findJpegEnd(handmade, 0) == handmade.size());

    Bytes cut(jpeg.begin(), jpeg.end() - 2);
    CHECK_FALSE(findJpegEnd(cut, 0));
    Bytes badLength = {0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0, 0};
    CHECK_FALSE(findJpegEnd(badLength, 0));
    CHECK_FALSE(findJpegEnd(Bytes{0xFF, 0xD8}, 0));
    CHECK_FALSE(findJpegEnd(Bytes{0x00, 0xD8, 0xFF, 0xD9}, 0));
}

TEST_CASE("mjpeg: frames pass through byte for byte, skipping garbage and broken frames")
{
    TempDir dir;
    const Bytes a = jpegOf(makePicture(48, 32, 0, 1)), b = jpegOf(makePicture(48, 32, 0, 2));
    Bytes file;
    file.insert(file.end(), a.begin(), a.end());
    file.insert(file.end(), {0, 0, 0x13, 0x37}); // padding between frames
    file.insert(file.end(), b.begin(), b.end());
    Bytes broken = a;
    broken[4] = 0x00; // breaks the first segment's structure
    broken.resize(broken.size() - 40);
    file.insert(file.end(), broken.begin(), broken.end());
    file.insert(file.end(), a.begin(), a.end() - 10); // truncated last frame
    writeFile(dir.file("clip.mjpeg"), file);

    MjpegSource source(dir.file("clip.mjpeg").string(), 400);
    CHECK(source.frameCount() == 2);
    CHECK(source.format().pixelFormat == PixelFormat::Mjpeg);
    CHECK(source.format().width == 48);
    const auto frames = collectFrames(source, 4);
    REQUIRE(frames.size() == 4);
    for (const auto& frame : frames) {
        CHECK(frame.format == PixelFormat::Mjpeg);
        CHECK(frame.bytes == (frame.sequence % 2 == 0 ? a : b));
    }
}

TEST_CASE("mjpeg written by ffmpeg, 4:2:0 and 4:2:2")
{
    for (const char* name : {"ffmpeg_64x48.mjpeg", "ffmpeg_64x48_422.mjpeg"}) {
        CAPTURE(name);
        MjpegSource source((dataDir() / name).string(), 30);
        CHECK(source.frameCount() >= 2);
        CHECK(source.format().width == 64);
        CHECK(source.format().height == 48);
    }
}

TEST_CASE("malformed mjpeg files give one clear error")
{
    TempDir dir;
    writeFile(dir.file("junk.mjpeg"), Bytes(5000, 0x42));
    CHECK_THROWS_WITH_AS(MjpegSource(dir.file("junk.mjpeg").string(), 30),
                         doctest::Contains("no complete JPEG"), std::runtime_error);
    const Bytes a = jpegOf(makePicture(48, 32, 0, 1));
    writeFile(dir.file("cut.mjpeg"), Bytes(a.begin(), a.begin() + 100));
    CHECK_THROWS_AS(MjpegSource(dir.file("cut.mjpeg").string(), 30), std::runtime_error);
}

TEST_CASE("the source factory knows every source and says what is wrong")
{
    SourceConfig config;
    config.width = 64;
    config.height = 48;
    CHECK(openSource(config)->format().width == 64);

    config.spec = (dataDir() / "ffmpeg_64x48_25fps.y4m").string();
    CHECK_THROWS_WITH_AS(openSource(config), doctest::Contains("unknown source"),
                         std::runtime_error);
    config.spec = "y4m:" + (dataDir() / "ffmpeg_64x48_25fps.y4m").string();
    CHECK(openSource(config)->format().fpsNumerator == 25);
    config.spec = "mjpeg:" + (dataDir() / "ffmpeg_64x48.mjpeg").string();
    CHECK(openSource(config)->format().pixelFormat == PixelFormat::Mjpeg);
    config.spec = "y4m:";
    CHECK_THROWS_AS(openSource(config), std::runtime_error);
    config.spec = "camera";
    CHECK_THROWS_WITH_AS(openSource(config), doctest::Contains("camera"), std::runtime_error);
}
