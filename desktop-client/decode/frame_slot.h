#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "codec/jpeg_decoder.h"

namespace pistream {

// A decoded picture ready for the screen, with what the overlay, snapshots
// and latency need.
struct DecodedFrame {
    YuvImage image;                 // 4:2:0 planes (other JPEG subsamplings are converted)
    std::vector<std::uint8_t> jpeg; // the JPEG as received, for snapshots
    std::uint64_t sequence = 0;
    // Capture time on this machine's clock; nothing when the frame's
    // timestamps are not to be trusted (or the server's clock is not known yet).
    std::optional<std::int64_t> captureOnViewerClock;
};

// The newest decoded frame, handed from the network thread to the UI. A
// triple buffer: the network thread fills its own buffer and publishes it; the
// UI takes the newest one. A frame the UI has not taken when the next arrives
// is dropped (and counted), never queued, and no buffer is allocated per frame.
class FrameSlot {
public:
    FrameSlot();

    // Network thread: the buffer to decode into next.
    DecodedFrame& back() { return *back_; }
    // Network thread: makes back() the newest frame.
    void publish();

    // UI thread: if a newer frame was published, swaps it into `front` and
    // returns true.
    bool take(std::unique_ptr<DecodedFrame>& front);

    std::uint64_t dropped() const;

private:
    mutable std::mutex mutex_;
    std::unique_ptr<DecodedFrame> back_;
    std::unique_ptr<DecodedFrame> ready_;
    bool fresh_ = false;
    std::uint64_t dropped_ = 0;
};

} // namespace pistream
