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
    if (auto error =
            decoder_.decodeTo420(frame.jpeg, limits_.maxWidth, limits_.maxHeight, out.image))
        return error;
    out.jpeg.assign(frame.jpeg.begin(), frame.jpeg.end());
    out.sequence = frame.header.sequence;
    out.captureOnViewerClock = captureOnViewerClock;
    return {};
}

} // namespace pistream
