#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "broker/base64.h"
#include "core/encoded_frame.h"

namespace pistream {

// What goes to a broker for one frame. Always the frame's JPEG as it was
// encoded (never the gzip member, never re-encoded). Pure.

// "HH:MM:SS.ffffff" in local time, as Python's datetime.strftime("%H:%M:%S.%f").
std::string clockTimeText(std::chrono::system_clock::time_point time);

// The MXCuBE video-streamer's Redis message:
//   {"data": base64 JPEG, "size": [height, width], "time": "HH:MM:SS.ffffff",
//    "frame_number": n}
std::string mxcubeMessage(const EncodedFrame& frame,
                          std::chrono::system_clock::time_point captured);

// When a frame was captured, on the wall clock (its timestamp is monotonic).
std::chrono::system_clock::time_point captureWallTime(const EncodedFrame& frame);

} // namespace pistream
