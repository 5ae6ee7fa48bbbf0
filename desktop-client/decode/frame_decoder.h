#pragma once

#include <atomic>
#include <cstdint>
#include <system_error>

#include "codec/jpeg_decoder.h"
#include "connection/stream_client.h"
#include "decode/frame_slot.h"

namespace pistream {

// The viewer's decode stage: a received JPEG into 4:2:0 planes (bands between
// the server's restart markers on several threads), with what the screen,
// snapshots and latency need. The JPEG's header was already checked against
// the frame's size by StreamClient, the one place that check happens.
class FrameDecoder {
public:
    // threads: per JPEG, as ClientConfig::decodeThreads (0: the cores, at most 4).
    FrameDecoder(int threads, const FrameLimits& limits);

    // captureOnViewerClock: the frame's capture time mapped to this machine's clock.
    std::error_code decode(const ReceivedFrame& frame,
                           std::optional<std::int64_t> captureOnViewerClock, DecodedFrame& out);

    // Any thread: the size the picture is shown at (a wall's tile). Later
    // frames decode at the smallest DCT scale still at least that large
    // (decodeScaleFor); 0 x 0, the default, decodes at full size.
    void setShownSize(int width, int height);

private:
    JpegDecoder decoder_;
    FrameLimits limits_;
    std::atomic<int> shownWidth_{0};
    std::atomic<int> shownHeight_{0};
};

} // namespace pistream
