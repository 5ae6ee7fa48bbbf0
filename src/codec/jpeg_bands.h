#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/byte_buffer.h"

namespace pistream {

// One horizontal band of a JPEG as a JPEG of its own: the rows [top, top + height).
struct JpegBand {
    int width = 0; // as the whole JPEG's header says
    int top = 0;
    int height = 0;
    ByteBuffer jpeg;
};

// Cuts a sequential (baseline) JPEG at its restart markers into at most
// `count` bands that decode independently, for decoding on several cores:
// each band is the original header with the band's height, its restart
// intervals with their RST markers numbered from RST0 again, and an EOI.
// Possible when the JPEG has a restart interval of whole MCU rows (as
// pistream-server's strips have) and its markers are all present and in
// order; otherwise returns false and the JPEG is decoded whole. The input is
// untrusted: every offset is checked, and the bands together are at most the
// input plus a header per band.
bool splitJpegBands(std::span<const std::uint8_t> jpeg, int count, std::vector<JpegBand>& bands);

} // namespace pistream
