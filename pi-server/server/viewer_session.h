#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio.hpp>

#include "core/encoded_frame.h"
#include "hub/frame_hub.h"
#include "hub/frame_pacer.h"
#include "net/stream_socket.h"
#include "protocol/message_reader.h"

namespace pistream {

// Counters the server keeps for all its sessions (io thread only).
struct SessionTotals {
    std::uint64_t framesSent = 0;
    std::uint64_t framesSkipped = 0; // replaced in a full queue by a newer frame
    std::uint64_t bytesSent = 0;
    std::uint64_t rungChanges = 0; // adaptive viewers moving on the ladder
};

struct SessionLimits {
    PacingLimits pacing;
    std::chrono::steady_clock::duration stallTimeout = std::chrono::seconds(10);
};

// One connected viewer. Lives on the io_context thread only, so it needs no
// locks. Over TLS it first proves the pairing key (authenticate()); nothing
// but the handshake is sent before that succeeds. Frames are shared, never copied: a frame message
// is its shared header bytes and payload in one gather write. A viewer that cannot keep up skips
// frames in its FramePacer, so it always gets the newest pictures and never holds back anyone else.
class ViewerSession final : public std::enable_shared_from_this<ViewerSession>,
                            public FrameSubscriber {
public:
    using Message = std::shared_ptr<const std::vector<std::uint8_t>>;
    using ClosedHandler = std::function<void(ViewerSession*)>;

    using AuthenticatedHandler = std::function<void(const std::error_code&)>;

    // `tls`: the server's PSK context, or nullptr for plain TCP (--insecure).
    ViewerSession(asio::ip::tcp::socket socket, asio::ssl::context* tls,
                  const SessionLimits& limits, SessionTotals& totals, ClosedHandler onClosed);

    // TLS: runs the handshake within `timeout`; `done` gets no error once the
    // peer has proved the key, else the handshake's error (timed_out when the
    // deadline passed). The session is not closed here: the caller decides.
    void authenticate(std::chrono::milliseconds timeout, AuthenticatedHandler done);

    // Sends the hello (and the source's status while it is down), subscribes
    // to the hub's frames and starts streaming. width x height: the
    // stream's, for the viewer's shown size (ADAPT 1.3).
    void start(Message hello, FrameHub& hub, unsigned width, unsigned height);
    // Sends the hello and a bye, then closes: for a viewer over the cap.
    void refuse(Message hello, Message bye, const std::string& reason);

    // FrameSubscriber: the io thread's fan-out.
    void onFrame(const EncodedFramePtr& frame) override;
    void onSourceStatus(const SourceStatus& status) override;

    void send(Message message);
    // Drops queued frames, sends what control messages are queued and the
    // bye (if any), ends TLS with close_notify, then closes.
    void finish(Message bye, const std::string& reason);
    // BYE 3 with the error's text, then close: what every malformed message gets.
    void protocolError(const std::error_code& error);
    void close(const std::string& reason);
    // Closes the session if a write has made no progress for the stall timeout.
    void checkStall(std::chrono::steady_clock::time_point now);

    const std::string& peer() const { return peer_; }
    asio::ip::address address() const { return address_; }
    bool secure() const { return stream_.secure(); }
    bool closed() const { return closed_; }
    Rung rung() const { return pacer_.rung(); }

private:
    void doRead();
    void onRead(const std::error_code& error, std::size_t bytes);
    bool handleMessage(const MessageView& message);
    void onRungChange(Rung rung);
    void doWrite();
    void writeSome();
    void onWrite(const std::error_code& error, std::size_t bytes);

    StreamSocket stream_;
    asio::steady_timer deadline_; // the handshake's
    SessionLimits limits_;
    SessionTotals& totals_;
    ClosedHandler onClosed_;
    std::string peer_;
    asio::ip::address address_;
    bool started_ = false;            // past the handshake: a viewer, logged as one
    unsigned width_ = 0, height_ = 0; // the stream's

    FrameHub::Subscription subscription_; // while streaming
    MessageReader reader_;
    std::array<std::uint8_t, 512> readBuffer_{};

    std::deque<Message> control_; // hello, pong, status, bye: sent before frames
    FramePacer pacer_;
    // The write in flight: what it holds alive, and what is left of it.
    Message writingMessage_;
    EncodedFramePtr writingFrame_;
    std::array<asio::const_buffer, 2> writeBuffers_{};
    bool writing_ = false;
    std::chrono::steady_clock::time_point lastProgress_;

    bool closeAfterWrite_ = false;
    std::string closeReason_;
    bool closed_ = false;
    std::uint64_t framesSent_ = 0;
    std::uint64_t framesSkipped_ = 0;
    std::uint64_t bytesSent_ = 0;
    std::uint64_t rungChanges_ = 0;
};

} // namespace pistream
