#pragma once

#include <cstdint>
#include <span>

#include "core/byte_buffer.h"

namespace pistream {

// Motion JPEG from many USB webcams, and AVI files saved from them, leaves out
// the Huffman tables (the "AVI1" convention: every frame uses the standard
// tables of ITU T.81 annex K.3, so the camera does not repeat them). A JPEG
// decoder, a browser or a Matroska player given such a frame on its own may
// refuse it; pistream sends every frame complete.

// Whether the JPEG defines a Huffman table (DHT) before its first scan. False
// too when its headers cannot be walked (the caller's header check refuses it).
bool hasHuffmanTables(std::span<const std::uint8_t> jpeg);

// Copies `jpeg` into `out` with one DHT segment holding the four standard
// tables (luma and chroma, DC and AC, as classes 0 and 1 with ids 0 and 1)
// inserted right before its first SOS. False, and `out` unspecified, when the
// headers cannot be walked to an SOS.
bool insertStandardHuffmanTables(std::span<const std::uint8_t> jpeg, ByteBuffer& out);

} // namespace pistream
