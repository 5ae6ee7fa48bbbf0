#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <asio.hpp>

#include "backoff.h"
#include "frame_slot.h"
#include "mkv_recorder.h"
#include "stream_client.h"

namespace pistream {

// "pistream-20261122-041530-123.jpg": a local-time name for snapshots and recordings.
std::string timestampedName(const char* prefix, const char* extension);

// WrongKey is final: the server refused our pairing key, so no retries.
enum class LinkState { Connecting, Live, Stalled, SourceDown, Reconnecting, WrongKey };
const char* nameOf(LinkState state);

// What the window shows about the connection; a copy taken under a lock.
struct LinkStatus {
    LinkState state = LinkState::Connecting;
    std::string detail; // why it is reconnecting, or the source's own words
    int width = 0;
    int height = 0;
    double fps = 0;
    double mbits = 0;
    std::uint64_t frames = 0;
    std::uint64_t gaps = 0; // skipped by the server for us (sequence gaps)
    std::uint64_t decodeErrors = 0;
    std::optional<double> rttMillis;
    std::string recording; // the file being recorded, if any
    std::string lastError; // the last recording problem, if any
};

struct LiveConfig {
    ClientConfig client;
    std::string recordPath;                     // record from the start when set
    std::chrono::milliseconds stallAfter{2000}; // no frame this long: "stalled"
};

// The viewer's network side, on its own thread: connects, decodes every frame
// into the FrameSlot, records when asked, and reconnects with backoff when the
// connection is refused, lost or broken by bad data. The UI only reads
// status() and the slot, and calls toggleRecording().
class LiveConnection {
public:
    LiveConnection(const LiveConfig& config, FrameSlot& slot, std::function<void()> onFrame);
    ~LiveConnection();

    void start();
    void stop();

    LinkStatus status() const;
    // Starts recording into a new timestamped file, or stops; returns at once.
    void toggleRecording();

private:
    void connect();
    void onFrame(const ReceivedFrame& frame);
    void onClosed(const std::string& reason, bool wrongKey);
    void tick();
    void startRecording(std::string path);
    void stopRecording();
    void setState(LinkState state, const std::string& detail);

    LiveConfig config_;
    FrameSlot& slot_;
    std::function<void()> frameReady_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    asio::steady_timer retryTimer_;
    asio::steady_timer tickTimer_;
    std::thread thread_;
    std::shared_ptr<StreamClient> client_;
    Backoff backoff_;
    JpegDecoder decoder_;
    std::unique_ptr<MkvRecorder> recorder_;
    std::string pendingRecording_; // opens with the next frame
    bool stopping_ = false;

    std::chrono::steady_clock::time_point lastFrame_;
    std::chrono::steady_clock::time_point windowStart_;
    std::uint64_t windowFrames_ = 0;
    std::uint64_t windowBytes_ = 0;
    std::optional<std::uint64_t> lastSequence_;
    bool sourceDown_ = false;

    mutable std::mutex mutex_;
    LinkStatus status_;
};

} // namespace pistream
