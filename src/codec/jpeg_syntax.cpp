#include "codec/jpeg_syntax.h"

#include <algorithm>
#include <cstring>

namespace pistream {

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

int be16(const std::uint8_t* bytes)
{
    return (bytes[0] << 8) | bytes[1];
}

// In entropy-coded data from `at`: the offset of the 0xFF right before the
// next marker byte, skipping stuffed 0xFF00 and fill bytes; kNone if the data
// runs to the end. memchr, not a loop over every byte: this runs over whole
// frames.
std::size_t findScanMarker(std::span<const std::uint8_t> bytes, std::size_t at)
{
    const std::uint8_t* const data = bytes.data();
    const std::size_t size = bytes.size();
    while (at + 1 < size) { // a 0xFF needs a byte after it to be anything
        const void* hit = std::memchr(data + at, 0xFF, size - 1 - at);
        if (!hit)
            return kNone;
        at = static_cast<std::size_t>(static_cast<const std::uint8_t*>(hit) - data);
        const std::uint8_t next = data[at + 1];
        if (next == 0x00)
            at += 2; // a stuffed 0xFF data byte
        else if (next == 0xFF)
            ++at; // a fill byte before a marker (or before stuffing)
        else
            return at;
    }
    return kNone;
}

bool readFrameHeader(const JpegSegment& segment, JpegHeader& header)
{
    const auto body = segment.payload;
    if (header.sofMarker != 0 || body.size() < 6)
        return false; // a second SOF, or too short for its fixed fields
    header.sofMarker = segment.marker;
    header.sof = segment.offset;
    header.precision = body[0];
    header.height = be16(&body[1]);
    header.width = be16(&body[3]);
    header.components = body[5];
    if (header.width == 0 || header.height == 0 || header.components < 1 || header.components > 4 ||
        body.size() != 6 + 3 * static_cast<std::size_t>(header.components))
        return false;
    for (std::size_t c = 0; c < static_cast<std::size_t>(header.components); ++c) {
        const std::uint8_t sampling = body[6 + 3 * c + 1];
        const int h = sampling >> 4, v = sampling & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4)
            return false;
        header.maxH = std::max(header.maxH, h);
        header.maxV = std::max(header.maxV, v);
    }
    return true;
}

bool readScanHeader(const JpegSegment& segment, JpegHeader& header)
{
    const auto body = segment.payload;
    if (header.sofMarker == 0 || body.empty())
        return false;
    const int count = body[0];
    if (count < 1 || count > 4 || body.size() != 4 + 2 * static_cast<std::size_t>(count))
        return false;
    header.sos = segment.offset;
    header.data = segment.end();
    header.scanComponents = count;
    return true;
}

} // namespace

const char* describe(JpegSyntaxError error)
{
    switch (error) {
    case JpegSyntaxError::None:
        return "no error";
    case JpegSyntaxError::MissingSoi:
        return "does not start with a JPEG SOI marker";
    case JpegSyntaxError::NotAMarker:
        return "a byte other than 0xFF where a JPEG marker must start";
    case JpegSyntaxError::BadMarker:
        return "a JPEG marker that cannot be there (FF 00, or a second SOI)";
    case JpegSyntaxError::Truncated:
        return "the JPEG ends inside a marker or a segment length";
    case JpegSyntaxError::BadLength:
        return "a JPEG segment length under 2";
    case JpegSyntaxError::LengthPastEnd:
        return "a JPEG segment runs past the end of the data";
    case JpegSyntaxError::MissingEoi:
        return "the JPEG ends before its EOI marker";
    case JpegSyntaxError::BadFrameHeader:
        return "a missing, repeated or malformed JPEG frame header (SOF)";
    case JpegSyntaxError::BadScanHeader:
        return "a malformed JPEG scan header (SOS), or one before the SOF";
    case JpegSyntaxError::NoScan:
        return "the JPEG ends before any scan (SOS)";
    }
    return "unknown JPEG syntax error";
}

bool JpegMarkerReader::fail(JpegSyntaxError error)
{
    error_ = error;
    done_ = true;
    return false;
}

bool JpegMarkerReader::next(JpegSegment& segment)
{
    if (done_)
        return false;
    const std::size_t size = bytes_.size();
    if (!started_) {
        started_ = true;
        if (pos_ > size || size - pos_ < 2 || bytes_[pos_] != 0xFF ||
            bytes_[pos_ + 1] != jpeg_marker::kSoi)
            return fail(JpegSyntaxError::MissingSoi);
        segment = {jpeg_marker::kSoi, pos_, 0, {}};
        pos_ += 2;
        return true;
    }

    std::size_t at = pos_;
    if (inScan_) {
        at = findScanMarker(bytes_, pos_);
        if (at == kNone)
            return fail(JpegSyntaxError::MissingEoi);
        const std::uint8_t marker = bytes_[at + 1];
        if (jpeg_marker::isRestart(marker)) {
            segment = {marker, at, 0, {}};
            pos_ = at + 2;
            return true;
        }
        inScan_ = false; // the marker that ends the scan, read below
    } else {
        if (at >= size)
            return fail(JpegSyntaxError::MissingEoi);
        if (bytes_[at] != 0xFF)
            return fail(JpegSyntaxError::NotAMarker);
        while (at + 1 < size && bytes_[at + 1] == 0xFF) // fill bytes
            ++at;
        if (at + 1 >= size)
            return fail(JpegSyntaxError::Truncated);
    }

    const std::uint8_t marker = bytes_[at + 1];
    if (marker == 0x00 || marker == jpeg_marker::kSoi)
        return fail(JpegSyntaxError::BadMarker);
    if (marker == jpeg_marker::kEoi || marker == jpeg_marker::kTem ||
        jpeg_marker::isRestart(marker)) {
        segment = {marker, at, 0, {}};
        pos_ = at + 2;
        done_ = marker == jpeg_marker::kEoi;
        return true;
    }
    if (size - at < 4)
        return fail(JpegSyntaxError::Truncated);
    const auto length = static_cast<std::size_t>(be16(&bytes_[at + 2]));
    if (length < 2)
        return fail(JpegSyntaxError::BadLength);
    if (length > size - at - 2)
        return fail(JpegSyntaxError::LengthPastEnd);
    segment = {marker, at, length, bytes_.subspan(at + 4, length - 2)};
    pos_ = at + 2 + length;
    inScan_ = marker == jpeg_marker::kSos;
    return true;
}

JpegSyntaxError readJpegHeader(std::span<const std::uint8_t> jpeg, JpegHeader& header)
{
    JpegMarkerReader reader(jpeg);
    return readJpegHeader(reader, header);
}

JpegSyntaxError readJpegHeader(JpegMarkerReader& reader, JpegHeader& header)
{
    header = {};
    JpegSegment segment;
    while (reader.next(segment)) {
        if (jpeg_marker::isFrameHeader(segment.marker)) {
            if (!readFrameHeader(segment, header))
                return JpegSyntaxError::BadFrameHeader;
        } else if (segment.marker == jpeg_marker::kDri) {
            if (segment.payload.size() != 2)
                return JpegSyntaxError::BadLength;
            header.restartInterval = be16(segment.payload.data());
        } else if (segment.marker == jpeg_marker::kSos) {
            return readScanHeader(segment, header) ? JpegSyntaxError::None
                                                   : JpegSyntaxError::BadScanHeader;
        } else if (segment.marker == jpeg_marker::kEoi) {
            return JpegSyntaxError::NoScan;
        }
    }
    return reader.error();
}

std::optional<std::size_t> findJpegEnd(std::span<const std::uint8_t> bytes, std::size_t start)
{
    JpegMarkerReader reader(bytes, start);
    JpegSegment segment;
    while (reader.next(segment))
        if (segment.marker == jpeg_marker::kEoi)
            return reader.position();
    return std::nullopt;
}

} // namespace pistream
