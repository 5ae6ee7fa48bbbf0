#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include "http/http_config.h"
#include "hub/frame_hub.h"
#include "hub/frame_pacer.h"
#include "net/stream_socket.h"

namespace pistream {

// A browser's /stream.mjpg: a subscriber of the FrameHub that writes each
// frame's JPEG, exactly as encoded, as one part of a multipart/x-mixed-replace
// response. A slow browser skips frames in the FramePacer, as a slow stream
// viewer does, instead of watching seconds-old pictures from a deep socket
// buffer. It adapts to the browser's link as a stream viewer does (--adapt):
// on the framerate policy a browser on a weak link gets smaller JPEGs, which
// the page scales to the same place. Owned by the connection whose socket it writes to; io thread
// only.
class MjpegStream final : public FrameSubscriber {
public:
    static constexpr const char* kBoundary = "pistreamframe";

    // What the stream tells its connection, which keeps the stall deadline:
    // it runs while something waits to go out (a write under way, or frames
    // held back until the socket has room) and no write has completed.
    struct Hooks {
        std::function<void()> busy;                         // (re)start the stall clock
        std::function<void()> idle;                         // nothing to send: stop it
        std::function<void(const std::error_code&)> failed; // a write failed: the stream ends
    };

    MjpegStream(StreamSocket& socket, const PacingLimits& limits, HttpStats& totals);

    // The response head: 200, multipart/x-mixed-replace, no length.
    static std::string responseHead();
    // The head of one part: boundary, type, length and the frame's timestamp
    // (X-Timestamp-Us); the JPEG and "\r\n" follow it. /events/ID/play.mjpg too.
    static std::string partHead(std::size_t jpegSize, std::int64_t micros);

    // Writes the head, subscribes to the hub and from then on writes the
    // newest frame whenever the browser can take one. Every pending handler
    // holds `owner` (the connection, which owns the socket and this stream).
    void start(FrameHub& hub, const std::shared_ptr<void>& owner, Hooks hooks);
    // Unsubscribes and drops waiting frames; a write under way completes.
    void stop();
    bool active() const { return active_; }

    void onFrame(const EncodedFramePtr& frame) override;

private:
    void sendNext();
    void write(std::size_t buffers, bool part); // the first of buffers_
    void onWritten(const std::error_code& error, std::size_t sent, bool part);

    StreamSocket& socket_;
    HttpStats& totals_;
    FramePacer pacer_;
    FrameHub::Subscription subscription_;
    std::weak_ptr<void> owner_;
    Hooks hooks_;
    bool active_ = false;
    bool writing_ = false;
    bool held_ = false; // frames wait for room in the socket; the stall clock runs
    // While a write is under way: the response head or a part's head, the
    // frame whose JPEG is written, and the buffers that point into them.
    std::string head_;
    EncodedFramePtr sending_;
    std::array<asio::const_buffer, 3> buffers_;
};

} // namespace pistream
