#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace pistream {

// The one reader of JPEG marker syntax (ITU T.81 annex B) in pistream: the
// encoder's strip joiner, the band splitter, the MJPEG file source and the
// decoder's header check all walk JPEGs with it. Every read is bounds-checked
// against the bytes given; nothing is allocated.

namespace jpeg_marker {
inline constexpr std::uint8_t kTem = 0x01;
inline constexpr std::uint8_t kSof0 = 0xC0, kSof1 = 0xC1, kSof2 = 0xC2, kDht = 0xC4, kJpg = 0xC8,
                              kDac = 0xCC, kSof15 = 0xCF;
inline constexpr std::uint8_t kRst0 = 0xD0, kRst7 = 0xD7, kSoi = 0xD8, kEoi = 0xD9, kSos = 0xDA,
                              kDri = 0xDD;

constexpr bool isRestart(std::uint8_t marker)
{
    return marker >= kRst0 && marker <= kRst7;
}

// SOF0..SOF15, without DHT, JPG and DAC, which share that range.
constexpr bool isFrameHeader(std::uint8_t marker)
{
    return marker >= kSof0 && marker <= kSof15 && marker != kDht && marker != kJpg &&
           marker != kDac;
}
} // namespace jpeg_marker

enum class JpegSyntaxError {
    None,
    MissingSoi,     // the bytes do not start with FF D8
    NotAMarker,     // a byte other than 0xFF where a marker must start
    BadMarker,      // FF 00 where a marker must be, or a second SOI
    Truncated,      // the bytes end inside a marker or a segment's length field
    BadLength,      // a segment length under 2 (it counts its own two bytes)
    LengthPastEnd,  // a segment's length runs past the end of the bytes
    MissingEoi,     // the bytes end between segments or in a scan, before EOI
    BadFrameHeader, // SOF: a second one, a wrong length, no pixels, bad sampling
    BadScanHeader,  // SOS: before the SOF, or a wrong length or component count
    NoScan,         // EOI before any SOS
};

const char* describe(JpegSyntaxError error);

// One marker and, unless it stands alone (SOI, EOI, RSTn, TEM), its segment.
struct JpegSegment {
    std::uint8_t marker = 0;
    std::size_t offset = 0; // of the 0xFF right before the marker byte (after any fill bytes)
    std::size_t length = 0; // the length field (2 + payload size); 0 for a marker alone
    std::span<const std::uint8_t> payload;

    std::size_t end() const { return offset + 2 + length; }
};

// Walks a JPEG's markers from the SOI at `start`: the header segments with
// their payloads; after each SOS, its entropy-coded data, yielding the RSTn
// markers in it, up to the marker that ends the scan (found with memchr;
// stuffed 0xFF00 is data); then on, through any further scans, to EOI.
// Fill bytes (0xFF 0xFF) before any marker are skipped. A caller that wants
// only the headers stops at SOS and never touches the entropy-coded data.
class JpegMarkerReader {
public:
    explicit JpegMarkerReader(std::span<const std::uint8_t> bytes, std::size_t start = 0)
        : bytes_(bytes), pos_(start)
    {}

    // The next marker; false after EOI, or at the first error.
    bool next(JpegSegment& segment);

    JpegSyntaxError error() const { return error_; }
    // Just past the last marker or segment read (past EOI once done).
    std::size_t position() const { return pos_; }
    bool inScan() const { return inScan_; }

private:
    bool fail(JpegSyntaxError error);

    std::span<const std::uint8_t> bytes_;
    std::size_t pos_;
    bool started_ = false;
    bool inScan_ = false;
    bool done_ = false;
    JpegSyntaxError error_ = JpegSyntaxError::None;
};

// What a decoder needs from the headers before the first scan.
struct JpegHeader {
    std::uint8_t sofMarker = 0; // SOF0 (baseline), SOF1, SOF2 (progressive)...
    std::size_t sof = 0;        // offset of the SOF marker's 0xFF
    std::size_t sos = 0;        // offset of the first SOS marker's 0xFF
    std::size_t data = 0;       // the first byte of that scan's entropy-coded data
    int precision = 0;
    int width = 0;
    int height = 0;
    int components = 0;
    int maxH = 1; // the largest sampling factors: an interleaved MCU is 8*maxH x 8*maxV pixels
    int maxV = 1;
    int restartInterval = 0; // MCUs, from a DRI before the first scan; 0: none
    int scanComponents = 0;  // in the first scan

    int mcuWidth() const { return components == 1 ? 8 : 8 * maxH; }
    int mcuHeight() const { return components == 1 ? 8 : 8 * maxV; }
};

// Reads the headers from SOI to the first SOS, as libjpeg would: exactly one
// SOF before it, with 1 to 4 components, sampling factors 1 to 4 and a width
// and height; a DRI of 4 bytes; an SOS of the length its component count says.
// Never reads the entropy-coded data.
JpegSyntaxError readJpegHeader(std::span<const std::uint8_t> jpeg, JpegHeader& header);
// The same with a reader that has not started yet, left at the scan's first
// byte to walk on through the entropy-coded data.
JpegSyntaxError readJpegHeader(JpegMarkerReader& reader, JpegHeader& header);

// The offset just past the EOI of the JPEG whose SOI is at `start`, through
// every scan (restart markers and stuffing included), or nothing if it is
// truncated or malformed before its EOI.
std::optional<std::size_t> findJpegEnd(std::span<const std::uint8_t> bytes, std::size_t start = 0);

} // namespace pistream
