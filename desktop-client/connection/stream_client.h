#pragma once

#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <asio.hpp>

#include "broker/publish_target.h"
#include "codec/gzip_inflater.h"
#include "codec/jpeg_decoder.h"
#include "connection/clock_sync.h"
#include "connection/frame_feed.h"
#include "net/endpoint.h"
#include "net/stream_socket.h"
#include "net/tls_psk.h"
#include "protocol/message_reader.h"

namespace pistream {

struct ClientConfig {
    Endpoint server{"127.0.0.1", kDefaultPort};
    std::uint32_t maxMessage = kDefaultMaxMessage;
    FrameLimits limits;
    int decodeThreads = 0; // threads per JPEG (bands between restart markers); 0: cores, max 4
    // TCP connect, TLS handshake and the server's hello, all together.
    std::chrono::milliseconds connectTimeout{5000};
    // After the hello: no complete message this long ends the connection. A
    // live server sends frames, and an idle one (source down) still answers
    // the pings, so only a server that stalls or trickles bytes hits it.
    std::chrono::milliseconds receiveTimeout{10000};
    std::chrono::milliseconds pingInterval{1000};
    // 1.2: sent in an ADAPT right after the hello; unset: the server's default.
    std::optional<AdaptPolicy> adapt;
    // 1.3: the largest size pictures are drawn at (a wall's tile), sent in
    // the ADAPT so the server may send a smaller rung; 0 x 0: no limit.
    int shownWidth = 0;
    int shownHeight = 0;
    // TLS 1.3 with this pairing key; empty: plain TCP (--insecure).
    std::string pairingKey;
    std::string keyOrigin = "--key"; // where the key came from, for messages
    // A broker URL given instead of a server: frames come from its topic
    // (BrokerFeed), with no pistream-server in between; `server`, the key
    // and the timeouts above are then unused, `maxMessage` caps a payload.
    std::optional<PublishTarget> broker;
    // Called on the io thread once the server has proved the same key and
    // said hello (the viewer remembers the key then).
    std::function<void()> onKeyAccepted;
};

// A frame as received, after the gzip member (if any) was inflated. The JPEG
// is valid only during the onFrame call.
struct ReceivedFrame {
    FrameHeader header;
    std::span<const std::uint8_t> jpeg;
    // Set when the payload is not a picture of the declared size (no JPEG
    // header, or the JPEG's own size differs): the frame is skipped and
    // counted, not a reason to drop the connection.
    std::error_code pictureError;
    // Why, in words (escaped), when the feed knows more than the code says.
    std::string pictureReason;
    std::size_t wireBytes = 0;       // whole message, length prefix included
    std::int64_t receivedMicros = 0; // viewer's monotonic clock
};

// The network half of the viewer: connects, checks the hello, reads messages
// through the capped incremental reader, inflates gzip payloads into at most
// their declared size, reads each JPEG's own header against the frame's size,
// and pings once a second to track the server's clock.
// Runs on one io_context thread. A message that breaks the framing or its
// fields (lengths, flags, sizes, gzip) closes the connection with a reason,
// as does a server that sends no complete message for receiveTimeout; a
// payload that is merely not a picture of the declared size is handed on
// with pictureError set, to be skipped. A pong counts only when it echoes a
// ping this client sent and has not had an answer to. Nothing after a BYE is
// read. Nothing from the network can make it allocate past its caps.
class StreamClient final : public FrameFeed, public std::enable_shared_from_this<StreamClient> {
public:
    using Handlers = FeedHandlers;

    StreamClient(asio::io_context& io, const ClientConfig& config, Handlers handlers);

    void start() override;
    // Says bye and closes; onClosed is called with `reason`.
    void stop(const std::string& reason = "stopped") override;

    const ClockSync& clock() const override { return clock_; }
    // Tells the server (ADAPT) when it differs from what it was told.
    void setShownSize(int width, int height) override;
    // After onClosed: the server refused our key, so trying again is pointless.
    bool wrongKey() const override { return wrongKey_; }
    const Hello& hello() const { return hello_; }
    // Pongs that echoed no outstanding ping of ours (ignored).
    std::uint64_t strayPongs() const { return strayPongs_; }

private:
    void onResolved(const std::error_code& error, asio::ip::tcp::resolver::results_type results);
    void onConnected();
    void handshakeFailed(const std::error_code& error);
    void doRead();
    void onRead(const std::error_code& error, std::size_t bytes);
    // Returns an error that ends the connection.
    std::error_code handleMessage(const MessageView& message);
    std::error_code handleFrame(std::span<const std::uint8_t> body);
    void onPong(const Pong& pong);
    void armReceiveTimer();
    void schedulePing(std::chrono::milliseconds delay);
    void sendPing();
    // ADAPT with the policy and shown size, one write at a time with the pings.
    void sendAdapt();
    void flushPending();
    void startPings();
    void fail(const std::string& reason, bool byServer = false);

    asio::io_context& io_;
    ClientConfig config_;
    Handlers handlers_;
    asio::ip::tcp::resolver resolver_;
    std::unique_ptr<PskTls> tls_;
    StreamSocket stream_;
    asio::steady_timer connectTimer_;
    asio::steady_timer pingTimer_;
    asio::steady_timer receiveTimer_;

    MessageReader reader_;
    std::array<std::uint8_t, 64 * 1024> readBuffer_{};
    GzipInflater inflater_;
    ByteBuffer jpeg_;
    JpegDecoder headerReader_; // the JPEG's own header must match the frame's
    ClockSync clock_;
    Hello hello_;
    bool gotHello_ = false;
    bool closed_ = false;
    bool wrongKey_ = false;

    std::vector<std::uint8_t> pingMessage_;
    std::vector<std::uint8_t> adaptMessage_;
    bool adaptInFlight_ = false;
    bool adaptPending_ = false; // asked for while a write was in flight
    bool pinging_ = false;      // the ping timer runs (after the first ADAPT left)
    bool pingInFlight_ = false;
    int pingsSent_ = 0;
    std::deque<std::int64_t> pingsOutstanding_; // sent, not yet answered; oldest first
    std::uint64_t strayPongs_ = 0;
    std::chrono::steady_clock::time_point lastMessage_; // the last complete one
};

} // namespace pistream
