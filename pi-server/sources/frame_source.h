#pragma once

#include <functional>
#include <string>

#include "core/raw_frame.h"
#include "protocol/messages.h"

namespace pistream {

struct StreamFormat {
    int width = 0;
    int height = 0;
    std::uint32_t fpsNumerator = 30;
    std::uint32_t fpsDenominator = 1;
    PixelFormat pixelFormat = PixelFormat::Yuv420;

    double fps() const { return static_cast<double>(fpsNumerator) / fpsDenominator; }
};

// Where frames come from: the test pattern, a file, or (its own issue) a camera.
// A source pushes frames from its own thread, the way libcamera's request
// completion does; frames are lent (see FramePtr) and go back to the source's
// buffers when the last user drops them. The callbacks must return quickly.
class FrameSource {
public:
    struct Callbacks {
        std::function<void(FramePtr)> onFrame;
        std::function<void(SourceState, const std::string&)> onState;
    };

    virtual ~FrameSource() = default;

    // What the source delivers, known before start() (the hello needs it).
    virtual StreamFormat format() const = 0;
    // For logs: "test pattern 1280x720 @ 30 fps", "y4m file clip.y4m (120 frames)".
    virtual std::string describe() const = 0;

    virtual void start(Callbacks callbacks) = 0;
    // Returns once no callback is running or will run.
    virtual void stop() = 0;
};

} // namespace pistream
