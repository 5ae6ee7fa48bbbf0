#include "decode/frame_decoder.h"

#include "codec/codec_threads.h"

namespace pistream {

FrameDecoder::FrameDecoder(int threads, const FrameLimits& limits)
    : decoder_(codecThreads(threads)), limits_(limits)
{}

std::error_code FrameDecoder::decode(const ReceivedFrame& frame,
                                     std::optional<std::int64_t> captureOnViewerClock,
                                     DecodedFrame& out)
{
    // A width and a height from two different calls only pick another
    // scale for one frame.
    const int scale = decodeScaleFor(
        static_cast<int>(frame.header.width), static_cast<int>(frame.header.height),
        shownWidth_.load(std::memory_order_relaxed), shownHeight_.load(std::memory_order_relaxed));
    if (auto error =
            decoder_.decodeTo420(frame.jpeg, limits_.maxWidth, limits_.maxHeight, out.image, scale))
        return error;
    out.jpeg.assign(frame.jpeg.begin(), frame.jpeg.end());
    out.sequence = frame.header.sequence;
    out.captureOnViewerClock = captureOnViewerClock;
    return {};
}

void FrameDecoder::setShownSize(int width, int height)
{
    shownWidth_.store(width, std::memory_order_relaxed);
    shownHeight_.store(height, std::memory_order_relaxed);
}

} // namespace pistream
