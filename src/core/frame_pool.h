#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "core/byte_buffer.h"
#include "core/raw_frame.h"

namespace pistream {

// A fixed set of YUV 4:2:0 buffers that sources fill and lend out as FramePtr.
// When the last holder drops a frame its buffer returns to the pool, the way
// a camera's buffers go back to the driver. acquire() returns nothing when all
// buffers are in flight: the source then drops that frame instead of waiting,
// so a slow consumer can never stall capture or grow memory.
class FramePool {
public:
    struct Buffer {
        RawFrame frame; // planes point into storage
        ByteBuffer storage;
    };

    FramePool(int width, int height, int count, int strideAlign = 32);

    // A buffer to fill; its planes and strides are set. Hand it out with lend().
    std::unique_ptr<Buffer> acquire();

    // Turns a filled buffer into a shared frame that returns here when released.
    FramePtr lend(std::unique_ptr<Buffer> buffer);

    int width() const { return state_->width; }
    int height() const { return state_->height; }
    int available() const;

private:
    struct State {
        int width = 0;
        int height = 0;
        mutable std::mutex mutex;
        std::vector<std::unique_ptr<Buffer>> free;
    };
    std::shared_ptr<State> state_;
};

} // namespace pistream
