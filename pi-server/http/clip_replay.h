#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <asio.hpp>

#include "http/http_config.h"
#include "media/mkv_reader.h"
#include "net/stream_socket.h"

namespace pistream {

// When each frame of a replayed clip is due: at the clip's own pace (its
// frame timestamps) from the first frame sent. Pure, time injected. A gap in
// the clip longer than kMaxGapMicros (the camera was off, a damaged
// timestamp) waits kMaxGapMicros; a browser that fell more than
// kMaxLagMicros behind is not caught up with a burst: the pace restarts.
class ReplayPacer {
public:
    static constexpr std::int64_t kMaxGapMicros = 1'000'000;
    static constexpr std::int64_t kMaxLagMicros = 1'000'000;

    // Microseconds to wait before sending the frame at `frameMicros` (its
    // time in the clip), given the time now (monotonic).
    std::int64_t waitMicros(std::int64_t frameMicros, std::int64_t nowMicros);

private:
    bool started_ = false;
    std::int64_t startMicros_ = 0; // when the clip's time 0 is (was) due
    std::int64_t lastFrame_ = 0;
};

// A browser's /events/ID/play.mjpg: the clip read back one frame at a time
// (MkvReader, no decoding) and written as the parts of a
// multipart/x-mixed-replace response, as /stream.mjpg writes them, at the
// clip's pace (an asio timer). The next frame is read only after the last
// part was written, so a slow browser holds one frame and no queue grows.
// The response ends (and the connection closes) after the last frame.
// Owned by the connection whose socket it writes to; io thread only.
class ClipReplay {
public:
    struct Hooks {
        std::function<void()> busy;                        // a write is under way: stall clock
        std::function<void()> idle;                        // waiting for the next frame's time
        std::function<void(const std::error_code&)> ended; // done (error: the write failed)
    };

    ClipReplay(StreamSocket& socket, asio::io_context& io, HttpStats& totals);

    // Writes the head, then the frames of `reader`. Every pending handler
    // holds `owner` (the connection, which owns the socket and this replay).
    void start(std::unique_ptr<MkvReader> reader, const std::shared_ptr<void>& owner, Hooks hooks);
    void stop();
    bool active() const { return active_; }

private:
    void readNext();
    void sendPart();
    void write(std::size_t buffers, bool part);

    StreamSocket& socket_;
    asio::steady_timer timer_;
    HttpStats& totals_;
    std::unique_ptr<MkvReader> reader_;
    ReplayPacer pacer_;
    std::weak_ptr<void> owner_;
    Hooks hooks_;
    bool active_ = false;
    std::string head_;
    MkvFrame frame_; // the frame waiting for its time or being written
    std::array<asio::const_buffer, 3> buffers_;
};

} // namespace pistream
