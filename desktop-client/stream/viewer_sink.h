#pragma once

#include <string>

#include "connection/stream_client.h"
#include "decode/frame_slot.h"

namespace pistream {

// One frame as the pipeline hands it to its sinks; valid only during the call.
struct SinkFrame {
    const ReceivedFrame& received; // the JPEG as it arrived, its header checked
    // The decoded picture; null when decoding is off (--no-decode) or failed.
    const DecodedFrame* picture = nullptr;
};

// A consumer of the ViewerPipeline's frames: the window, the headless printer,
// the recorder (as libcamera cam's FrameSinks of its CameraSession). Every
// call comes on the pipeline's network thread: do not block there.
class ViewerSink {
public:
    virtual ~ViewerSink() = default;

    // Every frame the client accepted, after the decode stage.
    virtual void onFrame(const SinkFrame& frame) = 0;
    // A newer picture is in the pipeline's FrameSlot, for the UI thread to take.
    virtual void onNewestPicture() {}
    // The pipeline will deliver no more frames (stopped, wrong key, or a
    // connection without retries ended); called once.
    virtual void onEnded(const std::string& /*reason*/, bool /*failed*/) {}
};

} // namespace pistream
