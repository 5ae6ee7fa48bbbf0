#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio.hpp>

#include "connection/frame_feed.h"
#include "connection/stream_client.h"
#include "core/backoff.h"
#include "core/rate_meter.h"
#include "decode/frame_decoder.h"
#include "decode/frame_slot.h"
#include "stats/viewer_stats.h"
#include "stream/link_status.h"
#include "stream/viewer_sink.h"

namespace pistream {

struct PipelineConfig {
    ClientConfig client;
    bool reconnect = true; // false: the first connection's end ends the pipeline (headless)
    bool decode = true;    // false: frames reach the sinks undecoded (--no-decode)
    std::chrono::milliseconds stallAfter{2000}; // no frame this long: "stalled"
    // A frame whose capture lies further back than maxLatency, or more than
    // -minLatency ahead, on the server clock as learnt, is shown but left out
    // of the latency figures (counted as untimed).
    std::chrono::microseconds minLatency{-1'000'000};
    std::chrono::microseconds maxLatency{60'000'000};
};

// "30.00 fps", or "unknown fps" when the hello's numerator or denominator is 0.
std::string describeFrameRate(std::uint32_t numerator, std::uint32_t denominator);

// The viewer's one receive-and-decode pipeline, whatever shows the frames:
// owns the connection (a FrameFeed: StreamClient with the pairing key, or
// BrokerFeed for a broker topic; reconnecting with Backoff), the decode stage (FrameDecoder into
// the FrameSlot), the server's clock (through the client) and the statistics (ViewerStats, rates),
// and feeds every frame to its sinks. It runs on its own io_context, either on the calling thread
// (run(): headless) or on a thread of its own (start(): the window, whose UI thread takes the
// newest picture from slot()).
class ViewerPipeline {
public:
    explicit ViewerPipeline(const PipelineConfig& config);
    ~ViewerPipeline();
    ViewerPipeline(const ViewerPipeline&) = delete;
    ViewerPipeline& operator=(const ViewerPipeline&) = delete;

    // Before run() or start(); the sink must outlive the pipeline's thread.
    void addSink(ViewerSink* sink) { sinks_.push_back(sink); }

    // Runs on this thread until the pipeline ends.
    void run();
    // Runs on a thread of its own until stop().
    void start();
    // Thread-safe; ends the connection, then (after start()) joins the thread.
    void stop(const std::string& reason = "viewer closed");

    // For sinks' own timers and signals: everything on it runs on the
    // pipeline's thread.
    asio::io_context& io() { return io_; }
    // The newest decoded picture, for a UI thread.
    FrameSlot& slot() { return slot_; }
    // Any thread: pictures are drawn at most this size (a wall's tile): the
    // decoder scales in the DCT to fit it, and a 1.3 server is told, so it
    // may send half-size pictures when those cover it. 0 x 0 (the default):
    // full size.
    void setShownSize(int width, int height);
    // Any thread: while held, the server is asked for full-size pictures
    // whatever the shown size (a recording keeps the camera's own size).
    void holdFullSize(bool hold);

    // Thread-safe.
    LinkStatus status() const;
    // The pipeline's thread only (or after it ended).
    const ViewerStats& stats() const { return stats_; }
    const ClockSync& clock() const;
    // To the server; none before the first ping's answer, or from a broker.
    std::optional<std::int64_t> roundTripMicros() const;
    const std::string& server() const { return serverName_; }

private:
    void begin();
    void connect();
    void onHello(const Hello& hello);
    void onFrame(const ReceivedFrame& frame);
    // The frame's capture time on this machine's clock, if its timestamps can be trusted.
    std::optional<std::int64_t> captureOnViewerClock(const ReceivedFrame& frame, bool inOrder);
    void onStatus(const Status& status);
    void onEvent(const Event& event);
    void onClosed(const std::string& reason);
    void end(const std::string& reason, bool failed);
    void tick();
    void setState(LinkState state, const std::string& detail);

    // Tells the client the size to ask the server for (io thread).
    void askSize();

    PipelineConfig config_;
    // What the window shows and whether full size is held: io thread only.
    int shownWidth_ = 0, shownHeight_ = 0;
    bool fullHeld_ = false;
    std::string serverName_;
    asio::io_context io_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
    asio::steady_timer retryTimer_;
    asio::steady_timer tickTimer_;
    std::thread thread_;
    std::vector<ViewerSink*> sinks_;

    std::shared_ptr<FrameFeed> client_; // a StreamClient, or a BrokerFeed for a broker URL
    ClockSync noClock_;                 // before the first connection
    Backoff backoff_;
    FrameDecoder decoder_;
    FrameSlot slot_;
    ViewerStats stats_;
    RateMeter frameRate_;
    RateMeter byteRate_;
    std::chrono::steady_clock::time_point lastFrame_;
    std::uint64_t skipsThisConnection_ = 0;
    std::uint64_t lastEventId_ = 0; // io thread: the motion event last heard of
    bool sourceDown_ = false;
    bool ended_ = false;

    mutable std::mutex mutex_;
    LinkStatus status_;
};

} // namespace pistream
