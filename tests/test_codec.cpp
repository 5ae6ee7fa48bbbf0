#include <cmath>
#include <condition_variable>
#include <libyuv/scale.h>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

#include <doctest/doctest.h>
#include <zlib.h>

#include "codec/gzip_compressor.h"
#include "codec/gzip_inflater.h"
#include "codec/jpeg_bands.h"
#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "codec/jpeg_syntax.h"
#include "codec/parallel_jpeg_encoder.h"
#include "core/error.h"
#include "core/fork_join.h"
#include "support/printers.h"
#include "support/test_images.h"

using namespace pistream;
using namespace pistream::test;

namespace {

std::vector<std::uint8_t> encodeJpeg(const YuvPicture& picture, int quality)
{
    JpegEncoder encoder(quality);
    ByteBuffer out;
    encoder.encode(picture.frame(), out);
    return {out.data(), out.data() + out.size()};
}

std::vector<std::uint8_t> encodeParallel(const YuvPicture& picture, int quality, int threads)
{
    ParallelJpegEncoder encoder(quality, threads);
    ByteBuffer out;
    encoder.encode(picture.frame(), out);
    encoder.encode(picture.frame(), out); // the second frame reuses every buffer
    return {out.data(), out.data() + out.size()};
}

// Markers outside the entropy-coded data are whole segments; inside it, 0xFF is
// followed by a stuffed 0x00 or by a restart marker. Counts FF xx pairs.
std::size_t countMarkers(const std::vector<std::uint8_t>& jpeg, std::uint8_t first,
                         std::uint8_t last)
{
    std::size_t found = 0;
    for (std::size_t i = 0; i + 1 < jpeg.size(); ++i)
        if (jpeg[i] == 0xFF && jpeg[i + 1] >= first && jpeg[i + 1] <= last)
            ++found;
    return found;
}

// The three decoded planes, row by row without the padding.
std::vector<std::uint8_t> decodedPixels(const std::vector<std::uint8_t>& jpeg, int threads = 1)
{
    JpegDecoder decoder(threads);
    YuvImage image;
    REQUIRE_FALSE(decoder.decode(jpeg, 8192, 8192, image)); // stops on any warning too
    std::vector<std::uint8_t> pixels;
    for (std::size_t plane = 0; plane < 3; ++plane)
        for (int row = 0; row < image.planeHeights[plane]; ++row) {
            const std::uint8_t* start = image.planes[plane] + row * image.strides[plane];
            pixels.insert(pixels.end(), start, start + image.planeWidths[plane]);
        }
    return pixels;
}

// PSNR of two decoded 4:2:0 pictures over their top left width x height
// pixels (and the chroma samples under them), in dB. Only what is seen counts:
// the planes' padding to whole chroma samples is not the picture.
double imagePsnr(const YuvImage& a, const YuvImage& b, int width, int height)
{
    double squared = 0;
    double samples = 0;
    for (std::size_t plane = 0; plane < 3; ++plane) {
        const int columns = plane == 0 ? width : (width + 1) / 2;
        const int rows = plane == 0 ? height : (height + 1) / 2;
        REQUIRE(columns <= std::min(a.planeWidths[plane], b.planeWidths[plane]));
        REQUIRE(rows <= std::min(a.planeHeights[plane], b.planeHeights[plane]));
        for (int row = 0; row < rows; ++row)
            for (int col = 0; col < columns; ++col) {
                const double diff = a.planes[plane][row * a.strides[plane] + col] -
                                    b.planes[plane][row * b.strides[plane] + col];
                squared += diff * diff;
                samples += 1;
            }
    }
    return squared == 0 ? std::numeric_limits<double>::infinity()
                        : 10 * std::log10(255.0 * 255.0 * samples / squared);
}

double imagePsnr(const YuvImage& a, const YuvImage& b)
{
    REQUIRE(a.info.width == b.info.width);
    REQUIRE(a.info.height == b.info.height);
    return imagePsnr(a, b, a.info.width, a.info.height);
}

// What decoding at full size and scaling down by 1/scale afterwards shows
// (libyuv, box filter), over the part of the picture made of whole blocks
// of 2 * scale pixels, so that both scales cover the same area: the DCT's
// scaled picture rounds a partial block up, a filter would stretch it.
YuvImage scaledAfterwards(const YuvImage& full, int scale)
{
    const int block = 2 * scale;
    const int width = full.info.width / block * block / scale;
    const int height = full.info.height / block * block / scale;
    REQUIRE(width > 0);
    REQUIRE(height > 0);
    YuvImage out;
    out.info = {width, height, full.info.subsampling};
    const std::array<int, 3> widths{width, width / 2, width / 2};
    const std::array<int, 3> heights{height, height / 2, height / 2};
    out.storage.resize(static_cast<std::size_t>(width * height * 3 / 2));
    std::size_t offset = 0;
    for (std::size_t plane = 0; plane < 3; ++plane) {
        out.planeWidths[plane] = out.strides[plane] = widths[plane];
        out.planeHeights[plane] = heights[plane];
        out.planes[plane] = out.storage.data() + offset;
        offset += static_cast<std::size_t>(widths[plane] * heights[plane]);
    }
    REQUIRE(libyuv::I420Scale(full.planes[0], full.strides[0], full.planes[1], full.strides[1],
                              full.planes[2], full.strides[2], width * scale, height * scale,
                              out.planes[0], out.strides[0], out.planes[1], out.strides[1],
                              out.planes[2], out.strides[2], width, height,
                              libyuv::kFilterBox) == 0);
    return out;
}

} // namespace

TEST_CASE("JPEG from padded strides is the same picture as from packed planes")
{
    for (const auto& size : {std::pair{64, 48}, {33, 17}, {1, 1}, {641, 479}}) {
        const int width = size.first; // (clang 14 cannot capture structured bindings)
        const int height = size.second;
        CAPTURE(width);
        CAPTURE(height);
        const auto packed = makePicture(width, height, 0, 3);
        const auto padded = makePicture(width, height, 37, 3); // odd padding on every row
        const auto a = encodeJpeg(packed, 85);
        const auto b = encodeJpeg(padded, 85);
        CHECK(a == b); // same pixels in, byte-identical JPEG out: padding was skipped

        JpegDecoder decoder;
        YuvImage image;
        REQUIRE_FALSE(decoder.decode(a, 8192, 8192, image));
        CHECK(image.info.width == width);
        CHECK(image.info.height == height);
    }
}

TEST_CASE("JPEG round trip keeps the picture, better with higher quality")
{
    const auto picture = makePicture(320, 240, 16, 1);
    JpegDecoder decoder;
    double previous = 0;
    std::size_t previousSize = 0;
    for (int quality : {30, 60, 85, 95}) {
        CAPTURE(quality);
        const auto jpeg = encodeJpeg(picture, quality);
        YuvImage image;
        REQUIRE_FALSE(decoder.decode(jpeg, 8192, 8192, image));
        const double psnr = lumaPsnr(picture, image.planes[0], image.strides[0]);
        CHECK(psnr > 30.0);                // a floor every quality clears on this picture
        CHECK(psnr > previous);            // and each step up is better...
        CHECK(jpeg.size() > previousSize); // ...and bigger
        previous = psnr;
        previousSize = jpeg.size();
    }
}

TEST_CASE("a JPEG encoded in strips on several threads is the same picture as one encoded whole")
{
    for (const auto& size :
         {std::pair{1280, 720}, {641, 479}, {320, 240}, {33, 17}, {16, 32}, {1, 1}}) {
        const int width = size.first;
        const int height = size.second;
        const auto picture = makePicture(width, height, 5, 9);
        const auto whole = encodeJpeg(picture, 80);
        const auto pixels = decodedPixels(whole);
        for (int threads : {1, 2, 3, 4}) {
            CAPTURE(width);
            CAPTURE(height);
            CAPTURE(threads);
            const int strips = ParallelJpegEncoder::stripCount(width, height, threads);
            const auto jpeg = encodeParallel(picture, 80, threads);
            if (strips == 1) {
                CHECK(jpeg == whole); // one strip is the plain encoder, byte for byte
                continue;
            }
            CHECK(countMarkers(jpeg, 0xDD, 0xDD) == 1); // DRI
            CHECK(countMarkers(jpeg, 0xD0, 0xD7) == static_cast<std::size_t>(strips - 1));
            CHECK(countMarkers(jpeg, 0xD9, 0xD9) == 1); // one EOI: the strips' own are gone
            CHECK(decodedPixels(jpeg) == pixels);
            // A strip costs its marker, its padding bits and a DC value coded
            // afresh: tens of bytes, not a second set of headers.
            CHECK(jpeg.size() <= whole.size() + 64 * static_cast<std::size_t>(strips));
        }
    }
}

TEST_CASE("a JPEG with restart markers decodes band by band on several threads, same pixels")
{
    for (const auto& size : {std::pair{1280, 720}, {641, 479}, {64, 64}, {33, 17}}) {
        const int width = size.first;
        const int height = size.second;
        const auto picture = makePicture(width, height, 3, 4);
        const auto whole = encodeJpeg(picture, 85);
        const auto expected = decodedPixels(whole);
        CHECK(decodedPixels(whole, 3) == expected); // no restart markers: decoded whole
        for (int strips : {2, 3, 4}) {
            const auto jpeg = encodeParallel(picture, 85, strips);
            for (int threads : {2, 3, 4}) {
                CAPTURE(width);
                CAPTURE(height);
                CAPTURE(strips);
                CAPTURE(threads);
                CHECK(decodedPixels(jpeg, threads) == expected);
            }
        }
    }
}

TEST_CASE("decoding at 1/2, 1/4 and 1/8 matches a full decode scaled down, bands or not")
{
    for (const auto& size : {std::pair{1280, 720}, {641, 479}, {64, 64}, {33, 17}}) {
        const int width = size.first;
        const int height = size.second;
        const auto picture = makePicture(width, height, 3, 6);
        const auto whole = encodeJpeg(picture, 85);
        const auto strips = encodeParallel(picture, 85, 3);
        JpegDecoder decoder;
        JpegDecoder banded(3);
        YuvImage full;
        REQUIRE_FALSE(decoder.decodeTo420(whole, 8192, 8192, full));
        for (int scale : {2, 4, 8}) {
            CAPTURE(width);
            CAPTURE(height);
            CAPTURE(scale);
            YuvImage small;
            REQUIRE_FALSE(decoder.decodeTo420(whole, 8192, 8192, small, scale));
            CHECK(small.info.width == (width + scale - 1) / scale);
            CHECK(small.info.height == (height + scale - 1) / scale);
            CHECK(small.info.subsampling == full.info.subsampling);
            // The DCT's own downscale against libyuv's box filter: the same
            // picture up to rounding (about 50 dB on this picture).
            if (width >= 2 * scale * 8 && height >= 2 * scale * 8) {
                const YuvImage expected = scaledAfterwards(full, scale);
                CHECK(imagePsnr(small, expected, expected.info.width, expected.info.height) > 40.0);
            }
            // Band by band on three threads: the same pixels as decoded whole.
            YuvImage fromBands;
            REQUIRE_FALSE(banded.decodeTo420(strips, 8192, 8192, fromBands, scale));
            YuvImage fromWhole;
            REQUIRE_FALSE(decoder.decodeTo420(strips, 8192, 8192, fromWhole, scale));
            CHECK(imagePsnr(fromBands, fromWhole) == std::numeric_limits<double>::infinity());
        }
        // The limits are the JPEG's own size, whatever the scale.
        YuvImage refused;
        CHECK(decoder.decodeTo420(whole, width - 1, height, refused, 2) == Errc::BadDimensions);
        // An unknown denominator decodes at full size.
        YuvImage odd;
        REQUIRE_FALSE(decoder.decodeTo420(whole, 8192, 8192, odd, 3));
        CHECK(odd.info.width == width);
    }
}

TEST_CASE("the decode scale is the smallest still as large as the picture is shown")
{
    CHECK(decodeScaleFor(1280, 720, 0, 0) == 1); // not shown yet: full size
    CHECK(decodeScaleFor(1280, 720, 1280, 720) == 1);
    CHECK(decodeScaleFor(1280, 720, 1000, 500) == 1);
    CHECK(decodeScaleFor(1280, 720, 640, 360) == 2);
    CHECK(decodeScaleFor(1280, 720, 641, 300) == 1); // 1/2 would be a pixel too narrow
    CHECK(decodeScaleFor(1280, 720, 320, 180) == 4);
    CHECK(decodeScaleFor(1280, 720, 319, 100) == 4);
    CHECK(decodeScaleFor(1280, 720, 100, 50) == 8);
    CHECK(decodeScaleFor(1280, 720, 1, 1) == 8);    // 1/8 is the smallest libjpeg has
    CHECK(decodeScaleFor(641, 479, 321, 240) == 2); // rounded up, as TurboJPEG does
    CHECK(decodeScaleFor(0, 720, 100, 100) == 1);
    CHECK(decodeScaleFor(1280, 720, -5, 100) == 1);
}

TEST_CASE("a JPEG is cut into bands at its restart markers, each a JPEG of its own")
{
    const auto picture = makePicture(1280, 720, 0, 2);
    const auto jpeg = encodeParallel(picture, 80, 4); // strips of 12, 12, 12 and 9 MCU rows
    std::vector<JpegBand> bands;
    REQUIRE(splitJpegBands(jpeg, 2, bands)); // two bands of two strips each
    REQUIRE(bands.size() == 2);
    CHECK(bands[0].top == 0);
    CHECK(bands[0].height == 384);
    CHECK(bands[1].top == 384);
    CHECK(bands[1].height == 336);
    JpegDecoder decoder;
    for (const auto& band : bands) {
        const std::vector<std::uint8_t> bytes(band.jpeg.data(),
                                              band.jpeg.data() + band.jpeg.size());
        CHECK(countMarkers(bytes, 0xD0, 0xD0) == 1); // its own RSTs count from RST0
        CHECK(countMarkers(bytes, 0xD1, 0xD7) == 0);
        YuvImage image;
        REQUIRE_FALSE(decoder.decode(bytes, 8192, 8192, image)); // stops on any warning
        CHECK(image.info.height == band.height);
    }
    REQUIRE(splitJpegBands(jpeg, 8, bands)); // never more bands than strips
    CHECK(bands.size() == 4);
    CHECK_FALSE(splitJpegBands(encodeJpeg(picture, 80), 2, bands)); // no restart markers
}

TEST_CASE("a JPEG whose restart markers lie is decoded whole, or refused, never misplaced")
{
    const auto picture = makePicture(320, 240, 0, 6);
    const auto jpeg = encodeParallel(picture, 80, 3);
    std::vector<JpegBand> bands;
    REQUIRE(splitJpegBands(jpeg, 3, bands));
    const auto find = [&](std::uint8_t marker) {
        for (std::size_t i = 0; i + 1 < jpeg.size(); ++i)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker)
                return i;
        FAIL("marker not found");
        return std::size_t{0};
    };
    JpegDecoder decoder(3);
    YuvImage image;
    SUBCASE("restart markers out of order")
    {
        auto bad = jpeg;
        bad[find(0xD0) + 1] = 0xD1;
        CHECK_FALSE(splitJpegBands(bad, 3, bands));
        CHECK(decoder.decode(bad, 8192, 8192, image) == Errc::DecodeFailed);
    }
    SUBCASE("a restart marker missing")
    {
        auto bad = jpeg;
        const auto at = find(0xD1);
        bad.erase(bad.begin() + static_cast<long>(at), bad.begin() + static_cast<long>(at) + 2);
        CHECK_FALSE(splitJpegBands(bad, 3, bands));
        CHECK(decoder.decode(bad, 8192, 8192, image) == Errc::DecodeFailed);
    }
    SUBCASE("an interval that ends mid-row")
    {
        auto bad = jpeg;
        bad[find(0xDD) + 5] -= 1; // the DRI's interval, one MCU short
        CHECK_FALSE(splitJpegBands(bad, 3, bands));
        CHECK(decoder.decode(bad, 8192, 8192, image) == Errc::DecodeFailed);
    }
    SUBCASE("a frame header taller than the data")
    {
        auto bad = jpeg;
        bad[find(0xC0) + 5] = 0x01; // 240 -> 496 rows: more intervals than markers
        CHECK_FALSE(splitJpegBands(bad, 3, bands));
        CHECK(decoder.decode(bad, 8192, 8192, image) == Errc::DecodeFailed);
    }
    SUBCASE("cut short")
    {
        const std::vector<std::uint8_t> cut(jpeg.begin(),
                                            jpeg.begin() + static_cast<long>(find(0xD1)));
        CHECK_FALSE(splitJpegBands(cut, 3, bands));
        CHECK(decoder.decode(cut, 8192, 8192, image) == Errc::DecodeFailed);
    }
    // The decoder is still good for the next frame.
    CHECK_FALSE(decoder.decode(jpeg, 8192, 8192, image));
    CHECK_THROWS_AS(JpegDecoder(0), std::invalid_argument);
}

namespace {

using Bytes = std::vector<std::uint8_t>;

// A marker segment: FF, marker, the length (2 + payload), the payload.
Bytes segmentOf(std::uint8_t marker, const Bytes& payload)
{
    const std::size_t length = payload.size() + 2;
    return cat(
        {{0xFF, marker, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)},
         payload});
}

const Bytes kSoi = {0xFF, 0xD8}, kEoi = {0xFF, 0xD9};
// 16x8, three components in 4:2:0 (Y 2x2, Cb and Cr 1x1).
const Bytes kSof0 = segmentOf(0xC0, {8, 0, 8, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1});
const Bytes kSos = segmentOf(0xDA, {3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0});
const Bytes kHeaders = cat(
    {kSoi, segmentOf(0xE0, {'J', 'F', 'I', 'F', 0}), kSof0, segmentOf(0xDD, {0x00, 0x02}), kSos});

struct Walk {
    std::vector<JpegSegment> segments;
    JpegSyntaxError error = JpegSyntaxError::None;
    std::size_t position = 0;

    std::vector<int> markers() const
    {
        std::vector<int> out;
        for (const auto& segment : segments)
            out.push_back(segment.marker);
        return out;
    }
};

Walk walk(std::span<const std::uint8_t> bytes, std::size_t start = 0)
{
    Walk result;
    JpegMarkerReader reader(bytes, start);
    JpegSegment segment;
    while (reader.next(segment))
        result.segments.push_back(segment);
    result.error = reader.error();
    result.position = reader.position();
    return result;
}

} // namespace

TEST_CASE("the JPEG marker reader walks a real JPEG's segments, scan and EOI")
{
    for (int threads : {1, 3}) {
        CAPTURE(threads);
        const auto jpeg = encodeParallel(makePicture(64, 48, 0), 80, threads);
        const Walk w = walk(jpeg);
        CHECK(w.error == JpegSyntaxError::None);
        REQUIRE(w.segments.size() > 4);
        CHECK(w.segments.front().marker == 0xD8);
        CHECK(w.segments.back().marker == 0xD9);
        CHECK(w.segments.back().end() == jpeg.size());
        CHECK(w.position == jpeg.size());
        std::size_t restarts = 0;
        bool scanned = false;
        for (std::size_t i = 1; i < w.segments.size(); ++i) {
            const JpegSegment& segment = w.segments[i];
            CHECK(jpeg[segment.offset] == 0xFF);
            CHECK(jpeg[segment.offset + 1] == segment.marker);
            if (!scanned) { // headers follow one another with nothing between
                CHECK(segment.offset == w.segments[i - 1].end());
                CHECK(segment.payload.data() == jpeg.data() + segment.offset + 4);
                CHECK(segment.payload.size() + 2 == segment.length);
            }
            scanned = scanned || segment.marker == 0xDA;
            if (jpeg_marker::isRestart(segment.marker)) {
                CHECK(segment.marker == 0xD0 + restarts % 8); // in order
                CHECK(segment.length == 0);
                ++restarts;
            }
        }
        CHECK(restarts == countMarkers(jpeg, 0xD0, 0xD7));
        CHECK(findJpegEnd(jpeg) == jpeg.size());

        JpegHeader header;
        REQUIRE(readJpegHeader(jpeg, header) == JpegSyntaxError::None);
        CHECK(header.sofMarker == 0xC0);
        CHECK(header.width == 64);
        CHECK(header.height == 48);
        CHECK(header.precision == 8);
        CHECK(header.components == 3);
        CHECK(header.mcuWidth() == 16); // 4:2:0
        CHECK(header.mcuHeight() == 16);
        CHECK(header.scanComponents == 3);
        CHECK(header.restartInterval == (threads == 1 ? 0 : 4)); // 4 MCUs: one row a strip
        CHECK(jpeg[header.sof + 1] == 0xC0);
        CHECK(jpeg[header.sos + 1] == 0xDA);
        CHECK(header.data > header.sos);
    }
}

TEST_CASE("the JPEG marker reader: fill bytes, stuffing, restart markers and scans")
{
    SUBCASE("fill bytes before markers in the headers and in the scan")
    {
        const Bytes jpeg = cat({kSoi,
                                {0xFF, 0xFF},
                                kSof0,
                                {0xFF},
                                kSos, // FF FF FF C0, FF FF DA
                                {0x12, 0xFF, 0xFF, 0xD0, 0x34, 0xFF, 0xFF, 0xFF, 0xD9}});
        const Walk w = walk(jpeg);
        CHECK(w.error == JpegSyntaxError::None);
        CHECK(w.markers() == std::vector<int>{0xD8, 0xC0, 0xDA, 0xD0, 0xD9});
        CHECK(w.segments[1].offset == 4); // the FF right before the marker byte
        CHECK(w.segments[3].offset == jpeg.size() - 7);
        CHECK(w.segments[4].offset == jpeg.size() - 2);
        CHECK(findJpegEnd(jpeg) == jpeg.size());
    }
    SUBCASE("stuffed 0xFF00 is data, also after fill bytes")
    {
        const Bytes jpeg = cat({kHeaders, {0xFF, 0x00, 0x01, 0xFF, 0xFF, 0x00, 0xFF, 0x00}, kEoi});
        const Walk w = walk(jpeg);
        CHECK(w.error == JpegSyntaxError::None);
        CHECK(w.markers() == std::vector<int>{0xD8, 0xE0, 0xC0, 0xDD, 0xDA, 0xD9});
        CHECK(w.segments.back().offset == jpeg.size() - 2);
    }
    SUBCASE("restart markers, one after another and at the scan's start")
    {
        const Bytes jpeg = cat(
            {kHeaders, {0xFF, 0xD0, 0xFF, 0xD1, 0x55, 0xFF, 0xD2, 0xFF, 0x00, 0xFF, 0xD3}, kEoi});
        const Walk w = walk(jpeg);
        CHECK(w.error == JpegSyntaxError::None);
        CHECK(w.markers() ==
              std::vector<int>{0xD8, 0xE0, 0xC0, 0xDD, 0xDA, 0xD0, 0xD1, 0xD2, 0xD3, 0xD9});
        CHECK(w.segments[5].offset == kHeaders.size());
    }
    SUBCASE("several scans with tables between them, as progressive JPEGs have")
    {
        const Bytes jpeg = cat({kHeaders,
                                {0x01, 0x02},
                                segmentOf(0xC4, {0, 1, 2, 3}),
                                kSos,
                                {0x03, 0xFF, 0x00},
                                kEoi});
        const Walk w = walk(jpeg);
        CHECK(w.error == JpegSyntaxError::None);
        CHECK(w.markers() == std::vector<int>{0xD8, 0xE0, 0xC0, 0xDD, 0xDA, 0xC4, 0xDA, 0xD9});
        CHECK(w.segments[5].payload.size() == 4);
        CHECK(findJpegEnd(jpeg) == jpeg.size());
    }
    SUBCASE("a JPEG that does not start at 0, and bytes after its EOI")
    {
        const Bytes jpeg = cat({{0x00, 0x11}, kHeaders, {0x42}, kEoi, {0xFF, 0xD8, 0x99}});
        CHECK(findJpegEnd(jpeg, 2) == jpeg.size() - 3);
        CHECK_FALSE(findJpegEnd(jpeg, 1));
        CHECK_FALSE(findJpegEnd(jpeg, jpeg.size() + 5)); // past the end: no read
    }
}

TEST_CASE("the JPEG marker reader refuses broken syntax with a clear error")
{
    const auto errorOf = [](const Bytes& bytes) {
        return walk(bytes).error;
    };
    SUBCASE("no SOI")
    {
        CHECK(errorOf({}) == JpegSyntaxError::MissingSoi);
        CHECK(errorOf({0xFF}) == JpegSyntaxError::MissingSoi);
        CHECK(errorOf({0xFF, 0xD9}) == JpegSyntaxError::MissingSoi);
        CHECK(errorOf({0x00, 0xD8, 0xFF, 0xD9}) == JpegSyntaxError::MissingSoi);
    }
    SUBCASE("truncated inside a marker or a length field")
    {
        CHECK(errorOf(cat({kSoi, {0xFF}})) == JpegSyntaxError::Truncated);
        CHECK(errorOf(cat({kSoi, {0xFF, 0xFF, 0xFF}})) == JpegSyntaxError::Truncated);
        CHECK(errorOf(cat({kSoi, {0xFF, 0xE0}})) == JpegSyntaxError::Truncated);
        CHECK(errorOf(cat({kSoi, {0xFF, 0xE0, 0x00}})) == JpegSyntaxError::Truncated);
    }
    SUBCASE("a segment length under 2")
    {
        CHECK(errorOf(cat({kSoi, {0xFF, 0xE0, 0x00, 0x00}, kEoi})) == JpegSyntaxError::BadLength);
        CHECK(errorOf(cat({kSoi, {0xFF, 0xE0, 0x00, 0x01}, kEoi})) == JpegSyntaxError::BadLength);
        JpegHeader header;
        CHECK(readJpegHeader(cat({kSoi, {0xFF, 0xDB, 0x00, 0x01}}), header) ==
              JpegSyntaxError::BadLength);
    }
    SUBCASE("a segment running past the end, also a truncated one")
    {
        CHECK(errorOf(cat({kSoi, {0xFF, 0xE0, 0xFF, 0xFF, 1, 2, 3}})) ==
              JpegSyntaxError::LengthPastEnd);
        const Bytes cut(kHeaders.begin(), kHeaders.end() - 3); // inside the SOS
        CHECK(errorOf(cut) == JpegSyntaxError::LengthPastEnd);
        CHECK_FALSE(findJpegEnd(cut));
        CHECK(errorOf(cat({kSoi, segmentOf(0xE0, {1, 2})})) == JpegSyntaxError::MissingEoi);
    }
    SUBCASE("no EOI after the scan")
    {
        CHECK(errorOf(cat({kHeaders, {0x12, 0xFF, 0x00, 0xFF, 0xD0, 0x34}})) ==
              JpegSyntaxError::MissingEoi);
        CHECK(errorOf(cat({kHeaders, {0x12, 0xFF}})) == JpegSyntaxError::MissingEoi);
        CHECK(errorOf(cat({kHeaders, {0x12, 0xFF, 0xFF}})) == JpegSyntaxError::MissingEoi);
        CHECK(errorOf(kHeaders) == JpegSyntaxError::MissingEoi);
        const auto jpeg = encodeJpeg(makePicture(32, 16, 0), 80);
        CHECK_FALSE(findJpegEnd(std::span(jpeg).first(jpeg.size() - 1)));
        CHECK_FALSE(findJpegEnd(std::span(jpeg).first(jpeg.size() - 2)));
    }
    SUBCASE("garbage where a marker must be, FF 00 and a second SOI")
    {
        CHECK(errorOf(cat({kSoi, {0x00}, kSof0})) == JpegSyntaxError::NotAMarker);
        CHECK(errorOf(cat({kSoi, segmentOf(0xE0, {}), {0x42, 0xFF, 0xD9}})) ==
              JpegSyntaxError::NotAMarker);
        CHECK(errorOf(cat({kSoi, {0xFF, 0x00}, kSof0})) == JpegSyntaxError::BadMarker);
        CHECK(errorOf(cat({kSoi, kSoi, kEoi})) == JpegSyntaxError::BadMarker);
        CHECK(errorOf(cat({kHeaders, {0x01}, kSoi, kEoi})) == JpegSyntaxError::BadMarker);
    }
    SUBCASE("a reader stops at the first error")
    {
        const Bytes bytes = cat({kSoi, {0xFF, 0xE0, 0x00, 0x01}, kSof0});
        JpegMarkerReader reader(bytes);
        JpegSegment segment;
        CHECK(reader.next(segment));
        CHECK_FALSE(reader.next(segment));
        CHECK_FALSE(reader.next(segment));
        CHECK(reader.error() == JpegSyntaxError::BadLength);
    }
    for (auto error :
         {JpegSyntaxError::MissingSoi, JpegSyntaxError::NotAMarker, JpegSyntaxError::BadMarker,
          JpegSyntaxError::Truncated, JpegSyntaxError::BadLength, JpegSyntaxError::LengthPastEnd,
          JpegSyntaxError::MissingEoi, JpegSyntaxError::BadFrameHeader,
          JpegSyntaxError::BadScanHeader, JpegSyntaxError::NoScan})
        CHECK(std::string(describe(error)).find("JPEG") != std::string::npos);
}

TEST_CASE("the JPEG header reader checks SOF, DRI and SOS as libjpeg would")
{
    JpegHeader header;
    const auto read = [&](const Bytes& bytes) {
        return readJpegHeader(bytes, header);
    };
    REQUIRE(read(kHeaders) == JpegSyntaxError::None);
    CHECK(header.width == 16);
    CHECK(header.height == 8);
    CHECK(header.restartInterval == 2);
    CHECK(header.data == kHeaders.size()); // the entropy-coded data is never read
    CHECK(read(cat({kSoi, kSof0, kSos, {0xFF}})) == JpegSyntaxError::None);

    const auto sofWith = [](std::size_t at, std::uint8_t value) {
        Bytes sof = kSof0;
        sof[at] = value;
        return cat({kSoi, sof, kSos});
    };
    CHECK(read(sofWith(6, 0)) == JpegSyntaxError::BadFrameHeader);     // no rows
    CHECK(read(sofWith(8, 0)) == JpegSyntaxError::BadFrameHeader);     // no columns
    CHECK(read(sofWith(9, 2)) == JpegSyntaxError::BadFrameHeader);     // 2 components, 3 listed
    CHECK(read(sofWith(11, 0x50)) == JpegSyntaxError::BadFrameHeader); // sampling 5x0
    CHECK(read(cat({kSoi, kSof0, kSof0, kSos})) == JpegSyntaxError::BadFrameHeader);
    CHECK(read(cat({kSoi, segmentOf(0xC0, {8, 0, 8}), kSos})) == JpegSyntaxError::BadFrameHeader);
    CHECK(read(cat({kSoi, kSos, kSof0})) == JpegSyntaxError::BadScanHeader); // SOS before SOF
    CHECK(read(cat({kSoi, kSof0, segmentOf(0xDA, {3, 1, 0})})) == JpegSyntaxError::BadScanHeader);
    CHECK(read(cat({kSoi, kSof0, segmentOf(0xDD, {0})})) == JpegSyntaxError::BadLength);
    CHECK(read(cat({kSoi, kSof0, kEoi})) == JpegSyntaxError::NoScan);
    CHECK(read(cat({kSoi, kSof0})) == JpegSyntaxError::MissingEoi);
    // SOF2 (progressive) reads too; the band splitter is the one that wants SOF0/SOF1.
    Bytes progressive = cat({kSoi, kSof0, kSos});
    progressive[3] = 0xC2;
    REQUIRE(read(progressive) == JpegSyntaxError::None);
    CHECK(header.sofMarker == 0xC2);
    std::vector<JpegBand> bands;
    CHECK_FALSE(splitJpegBands(cat({progressive, {0xFF, 0xD0, 0xFF, 0xD9}}), 2, bands));
}

TEST_CASE("a picture is cut into strips of whole MCU rows, none empty")
{
    CHECK(ParallelJpegEncoder::stripCount(1280, 720, 1) == 1);
    CHECK(ParallelJpegEncoder::stripCount(1280, 720, 2) == 2); // 45 MCU rows: 23 + 22
    CHECK(ParallelJpegEncoder::stripCount(1280, 720, 4) == 4); // 12 + 12 + 12 + 9
    CHECK(ParallelJpegEncoder::stripCount(1920, 1080, 4) == 4);
    CHECK(ParallelJpegEncoder::stripCount(320, 48, 4) == 3); // three MCU rows
    CHECK(ParallelJpegEncoder::stripCount(320, 64, 3) == 2); // 4 rows: 2 + 2, not 2 + 1 + 1
    CHECK(ParallelJpegEncoder::stripCount(64, 16, 4) == 1);
    // A restart interval over 65535 MCUs cannot be written: one strip then.
    CHECK(ParallelJpegEncoder::stripCount(8192, 8192, 2) == 1);
    CHECK(ParallelJpegEncoder::stripCount(8192, 8192, 8) == 8); // 64 rows of 512 MCUs
    CHECK_THROWS_AS(ParallelJpegEncoder(80, 0), std::invalid_argument);
    CHECK_THROWS_AS(ParallelJpegEncoder(0, 2), std::invalid_argument);
}

TEST_CASE("ForkJoin runs every part exactly once, the caller taking what no helper has started")
{
    ForkJoin forkJoin(4);
    std::mt19937 random(3);
    const auto caller = std::this_thread::get_id();
    int taken = 0; // parts past the first that the caller ran itself
    for (int round = 0; round < 2000; ++round) {
        const int count = 1 + static_cast<int>(random() % 4);
        std::array<std::atomic<int>, 4> runs{};
        const int spin = static_cast<int>(random() % 2000); // sometimes the caller finishes first
        forkJoin.run(count, [&](int part) {
            std::atomic<int> busy{0};
            for (int i = 0; i < (part == 0 ? spin : 0); ++i)
                busy.fetch_add(1, std::memory_order_relaxed);
            ++runs[static_cast<std::size_t>(part)];
            if (part > 0 && std::this_thread::get_id() == caller)
                ++taken; // only the caller's thread writes it
        });
        for (int part = 0; part < 4; ++part) {
            CAPTURE(round);
            CAPTURE(part);
            REQUIRE(runs[static_cast<std::size_t>(part)] == (part < count ? 1 : 0));
        }
    }
    // With part 0 empty the caller is often done before a helper wakes: it
    // takes those parts instead of waiting. How often depends on the machine,
    // so rounds go on (part 0 empty) until it has happened, within a generous
    // deadline; a caller that always waited for the helpers never gets there.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int rounds = 2000;
    while (taken == 0 && std::chrono::steady_clock::now() < deadline) {
        std::array<std::atomic<int>, 4> runs{};
        forkJoin.run(4, [&](int part) {
            ++runs[static_cast<std::size_t>(part)];
            if (part > 0 && std::this_thread::get_id() == caller)
                ++taken;
        });
        ++rounds;
        for (const auto& run : runs)
            REQUIRE(run == 1);
    }
    MESSAGE("parts the caller took itself: " << taken << " in " << rounds << " rounds");
    CHECK(taken > 0);
}

TEST_CASE("ForkJoin's parts run side by side on helper threads")
{
    ForkJoin forkJoin(2);
    std::mutex mutex;
    std::condition_variable changed;
    bool secondStarted = false;
    std::thread::id secondThread;
    forkJoin.run(2, [&](int part) {
        std::unique_lock lock(mutex);
        if (part == 1) {
            secondStarted = true;
            secondThread = std::this_thread::get_id();
            changed.notify_all();
            return;
        }
        // Part 0 holds the caller: only a helper can start part 1 meanwhile.
        changed.wait_for(lock, std::chrono::seconds(30), [&] { return secondStarted; });
    });
    CHECK(secondStarted);
    CHECK(secondThread != std::this_thread::get_id());
    CHECK_THROWS_AS(forkJoin.run(3, [](int) {}), std::invalid_argument);
    CHECK_THROWS_AS(ForkJoin(0), std::invalid_argument);
    CHECK_THROWS_AS(ForkJoin(ForkJoin::kMaxParts + 1), std::invalid_argument);
}

TEST_CASE("JPEG quality out of range is refused")
{
    CHECK_THROWS_AS(JpegEncoder(0), std::invalid_argument);
    CHECK_THROWS_AS(JpegEncoder(101), std::invalid_argument);
}

TEST_CASE("decoder checks the header before decoding")
{
    JpegDecoder decoder;
    YuvImage image;
    const auto jpeg = encodeJpeg(makePicture(64, 48, 0), 80);

    SUBCASE("a picture over the size limit is refused before any pixel memory")
    {
        CHECK(decoder.decode(jpeg, 63, 48, image) == Errc::BadDimensions);
        CHECK(image.storage.capacity() == 0);
    }
    SUBCASE("not a JPEG")
    {
        const std::vector<std::uint8_t> junk(100, 0x42);
        CHECK(decoder.decode(junk, 8192, 8192, image) == Errc::BadJpeg);
        JpegInfo info;
        CHECK(decoder.readHeader({}, info) == Errc::BadJpeg);
    }
    SUBCASE("a truncated scan is an error, not a grey frame")
    {
        const auto big = encodeJpeg(makePicture(320, 240, 0), 80);
        const std::vector<std::uint8_t> cut(big.begin(),
                                            big.begin() + static_cast<long>(big.size() * 3 / 4));
        CHECK(decoder.decode(cut, 8192, 8192, image) == Errc::DecodeFailed);
    }
    SUBCASE("a header claiming a huge size is refused without allocating")
    {
        JpegInfo info;
        // 65535x65535 is over libjpeg's own limit (65500): refused at the header.
        CHECK(decoder.decode(claimingSize(jpeg, 65535, 65535), 8192, 8192, image) == Errc::BadJpeg);
        // 65500x65500 is a valid header, but over our limit.
        REQUIRE_FALSE(decoder.readHeader(claimingSize(jpeg, 65500, 65500), info));
        CHECK(info.width == 65500);
        CHECK(decoder.decode(claimingSize(jpeg, 65500, 65500), 8192, 8192, image) ==
              Errc::BadDimensions);
        CHECK(image.storage.capacity() == 0);
    }
    SUBCASE("a bad JPEG does not break the decoder for the good ones after it")
    {
        const auto broken = claimingSize(jpeg, 65535, 65535);
        std::vector<std::uint8_t> cut(jpeg.begin(), jpeg.end() - 60);
        for (const auto& bad : {broken, cut, std::vector<std::uint8_t>(50, 0xFF)}) {
            CHECK(decoder.decode(bad, 8192, 8192, image));
            JpegInfo info;
            CHECK_FALSE(decoder.readHeader(jpeg, info));
            CHECK_FALSE(decoder.decode(jpeg, 8192, 8192, image));
            CHECK(image.info.width == 64);
        }
    }
}

TEST_CASE("gzip members round trip and are real RFC 1952")
{
    std::vector<std::uint8_t> input(100000);
    std::mt19937 random(5);
    for (auto& byte : input)
        byte = static_cast<std::uint8_t>(random() % 16); // compressible

    for (const auto strategy : {GzipStrategy::Default, GzipStrategy::Filtered,
                                GzipStrategy::HuffmanOnly, GzipStrategy::Rle}) {
        for (int level : {1, 6, 9}) {
            CAPTURE(level);
            GzipCompressor compressor(level, strategy);
            ByteBuffer packed;
            compressor.compress(input, packed);
            REQUIRE(packed.size() > 18);
            CHECK(packed.data()[0] == 0x1F); // gzip magic
            CHECK(packed.data()[1] == 0x8B);
            CHECK(packed.data()[2] == 8); // deflate
            CHECK(packed.size() < input.size());

            // zlib's own one-shot decoder agrees (independent of our inflater).
            std::vector<std::uint8_t> check(input.size());
            z_stream zs{};
            REQUIRE(inflateInit2(&zs, 16 + 15) == Z_OK);
            zs.next_in = packed.data();
            zs.avail_in = static_cast<uInt>(packed.size());
            zs.next_out = check.data();
            zs.avail_out = static_cast<uInt>(check.size());
            CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
            inflateEnd(&zs);
            CHECK(check == input);

            GzipInflater inflater;
            ByteBuffer out;
            REQUIRE_FALSE(inflater.inflate(packed.span(), input.size(), out));
            CHECK(std::equal(input.begin(), input.end(), out.data()));
        }
    }
    CHECK_THROWS_AS(GzipCompressor(0, GzipStrategy::Default), std::invalid_argument);
    CHECK_THROWS_AS(parseGzipStrategy("fast"), std::invalid_argument);
}

TEST_CASE("gzip header fields: we send none, and accept every optional one (protocol.md)")
{
    const std::vector<std::uint8_t> input(20000, 3);
    GzipCompressor compressor(6, GzipStrategy::Default);
    ByteBuffer ours;
    compressor.compress(input, ours);
    CHECK(ours.data()[3] == 0); // FLG: no FEXTRA, FNAME, FCOMMENT or FHCRC

    // Another sender may use them all (zlib writes them from a gz_header).
    std::vector<std::uint8_t> extra = {'p', 's', 2, 0, 'h', 'i'};
    std::string name = "frame.jpg", comment = "from another sender";
    gz_header header{};
    header.extra = extra.data();
    header.extra_len = static_cast<uInt>(extra.size());
    header.name = reinterpret_cast<Bytef*>(name.data());
    header.comment = reinterpret_cast<Bytef*>(comment.data());
    header.hcrc = 1;
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    REQUIRE(deflateSetHeader(&zs, &header) == Z_OK);
    std::vector<std::uint8_t> packed(deflateBound(&zs, input.size()) + 256);
    zs.next_in = const_cast<Bytef*>(input.data());
    zs.avail_in = static_cast<uInt>(input.size());
    zs.next_out = packed.data();
    zs.avail_out = static_cast<uInt>(packed.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    packed.resize(zs.total_out);
    deflateEnd(&zs);
    REQUIRE(packed[3] == (2 | 4 | 8 | 16)); // FHCRC FEXTRA FNAME FCOMMENT

    GzipInflater inflater;
    ByteBuffer out;
    REQUIRE_FALSE(inflater.inflate(packed, input.size(), out));
    CHECK(std::equal(input.begin(), input.end(), out.data()));
    // The header's CRC is checked too.
    packed[12] ^= 0x01; // inside FEXTRA
    CHECK(inflater.inflate(packed, input.size(), out));
}

TEST_CASE("inflate never writes past the declared size")
{
    GzipCompressor compressor(9, GzipStrategy::Default);
    GzipInflater inflater;
    ByteBuffer packed, out;

    SUBCASE("a gzip bomb: 64 MiB of zeros declared as 1000 bytes")
    {
        const std::vector<std::uint8_t> zeros(64u << 20, 0);
        compressor.compress(zeros, packed);
        CHECK(packed.size() < 100000);
        CHECK(inflater.inflate(packed.span(), 1000, out) == Errc::InflateOverflow);
        CHECK(out.capacity() == 1000); // memory stayed at the declared size
    }
    SUBCASE("one byte more than declared")
    {
        const std::vector<std::uint8_t> data(5000, 7);
        compressor.compress(data, packed);
        CHECK(inflater.inflate(packed.span(), 4999, out) == Errc::InflateOverflow);
        CHECK_FALSE(inflater.inflate(packed.span(), 5000, out));
        CHECK(inflater.inflate(packed.span(), 5001, out) == Errc::InflateShort);
    }
    SUBCASE("truncated, corrupt and trailing bytes")
    {
        const std::vector<std::uint8_t> data(5000, 9);
        compressor.compress(data, packed);
        const auto whole = std::vector<std::uint8_t>(packed.data(), packed.data() + packed.size());
        const std::vector<std::uint8_t> cut(whole.begin(), whole.end() - 6);
        CHECK(inflater.inflate(cut, 5000, out));
        auto corrupt = whole;
        corrupt[12] ^= 0xFF;
        CHECK(inflater.inflate(corrupt, 5000, out));
        auto trailing = whole;
        trailing.push_back(0);
        CHECK(inflater.inflate(trailing, 5000, out) == Errc::InflateFailed);
        const std::vector<std::uint8_t> notGzip(100, 0x55);
        CHECK(inflater.inflate(notGzip, 5000, out) == Errc::InflateFailed);
        // and it still works afterwards
        CHECK_FALSE(inflater.inflate(whole, 5000, out));
    }
}
