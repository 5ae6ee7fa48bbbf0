#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "adapt/rung_controller.h"
#include "core/encoded_frame.h"

namespace pistream {

struct PacingLimits {
    // Frames waiting for one consumer; a newer frame replaces the oldest.
    std::size_t maxQueuedFrames = 2;
    // A frame is written only when fewer bytes than this are still in the
    // socket (unsent or unacknowledged): on a slow link frames are skipped here,
    // at the newest-frame queue, instead of piling up in kernel buffers where
    // they would only add latency.
    std::size_t maxOutstandingBytes = 64 * 1024;
    // How a viewer's stream adapts to its link (--adapt, or the viewer's ADAPT).
    AdaptPolicy adapt = AdaptPolicy::Off;
    AdaptConfig adaptConfig;
};

// The one slow-consumer policy for every socket that streams frames (stream
// viewers, browsers' MJPEG streams). The session asks next() whenever it could
// write: after its previous write completed, or when a frame arrives while it
// is idle. A frame comes out only when the kernel's queue for the socket
// (SIOCOUTQ) is under the limit; otherwise the pacer calls `retry` once, on a
// timer that backs off from 2 to 64 ms while the link stays behind, and
// meanwhile newer frames replace older ones, so what goes out is the newest
// (µStreamer likewise writes the next frame only when the last has drained).
//
// With AdaptPolicy::Framerate the pacer also chooses the consumer's rung of the
// adaptive ladder: each time it could write it reads the socket's TCP_INFO
// and asks its RungController, and tells `rungChanged` (which moves the
// consumer's hub subscription) when the rung should change.
// io thread only, like the session that owns it.
class FramePacer {
public:
    struct Next {
        EncodedFramePtr frame;   // to write now, or nullptr
        std::size_t skipped = 0; // frames dropped to get to it
    };

    FramePacer(asio::ip::tcp::socket& socket, const PacingLimits& limits);

    void setPolicy(AdaptPolicy policy);
    AdaptPolicy policy() const { return controller_.policy(); }
    // The best rung the viewer needs for the size it draws at (ADAPT 1.3).
    void setCeiling(Rung ceiling);
    // Called on the io thread when the controller chooses another rung.
    void onRungChange(std::function<void(Rung)> changed) { rungChanged_ = std::move(changed); }
    Rung rung() const { return controller_.rung(); }
    const RungController& controller() const { return controller_; }

    // Queues the newest frame; returns the frames it pushed out (0 or 1).
    std::size_t offer(EncodedFramePtr frame);
    // The frame to write now, if there is one and room for it. When a frame
    // waits for room, `retry` runs once when it is worth asking again; it
    // should hold the session alive.
    Next next(std::function<void()> retry);
    // Drops the waiting frames and any pending retry.
    void clear();
    bool empty() const { return frames_.empty(); }

private:
    std::size_t outstandingBytes() const;
    // Asks the controller for the rung; the socket's unsent bytes when it read them.
    std::optional<std::size_t> adapt();
    // Tells rungChanged when the controller's rung is no longer `before`.
    void reportChange(Rung before);

    asio::ip::tcp::socket& socket_;
    PacingLimits limits_;
    std::deque<EncodedFramePtr> frames_;
    asio::steady_timer timer_;
    std::chrono::milliseconds poll_;
    bool waiting_ = false; // a retry is armed
    bool waited_ = false;  // the link was behind: take the newest, skip the rest
    RungController controller_;
    std::function<void(Rung)> rungChanged_;
};

} // namespace pistream
