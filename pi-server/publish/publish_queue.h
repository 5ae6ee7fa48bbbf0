#pragma once

#include "core/bounded_queue.h"
#include "core/encoded_frame.h"

namespace pistream {

// The frames waiting for one publisher's broker: the newest few, the oldest
// dropped when the broker is slow.
using PublishQueue = BoundedQueue<EncodedFramePtr>;

} // namespace pistream
