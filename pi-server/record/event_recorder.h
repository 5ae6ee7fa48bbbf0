#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "http/http_config.h"
#include "hub/frame_hub.h"
#include "motion/motion_monitor.h"
#include "publish/log_throttle.h"
#include "record/event_index.h"
#include "record/pre_roll_ring.h"
#include "record/recording_names.h"
#include "record/retention.h"

namespace pistream {

class MkvRecorder;

enum class RecordMode { Off, Motion, Continuous };

struct RecorderConfig {
    RecordMode mode = RecordMode::Off;                          // --record
    std::filesystem::path dir = "/var/lib/pistream/recordings"; // --record-dir
    PreRollConfig preRoll;                                      // --pre-roll
    std::chrono::milliseconds postRoll{5000};                   // --post-roll
    std::chrono::milliseconds segment{300000};                  // --segment (continuous)
    RetentionConfig retention;                                  // --retain-size, --retain-days
    // The writer's queue: frames beyond either bound are dropped (counted),
    // never waited for. Enough for a whole pre-roll handed over at once.
    std::size_t queueFrames = 600;
    std::size_t queueBytes = 48u << 20;
    std::chrono::seconds retentionPeriod{60}; // retention is also checked this often
};

// What the recorder has done since start (any thread reads it).
struct RecorderStats {
    std::uint64_t framesWritten = 0;
    std::uint64_t framesDropped = 0; // the queue was full: the card is slower than the camera
    std::uint64_t framesLost = 0;    // a write failed (full or failing card, directory gone)
    std::uint64_t files = 0;         // clips and segments opened
    std::uint64_t deleted = 0;       // recordings deleted by retention
    std::uint64_t writeErrors = 0;
    bool writing = false; // a file is open now
};

// Records to Matroska MJPEG files in the recording directory: motion clips
// (pre-roll from a ring of encoded frames, the event, a post-roll) with a
// thumbnail and a row in the SQLite index, or continuous segments. A hub
// subscriber and a motion listener on the io thread, where it only decides
// and queues; its own thread opens, writes and deletes files, so neither the
// io thread nor the encode thread ever waits for the disk. It wants frames
// all the time: the pipeline encodes with nobody watching.
class EventRecorder final : public FrameSubscriber, public MotionListener {
public:
    // Checks the directory (made if missing) and opens the index, repairing
    // it from the files. Throws std::runtime_error with one line if the
    // directory cannot be written.
    EventRecorder(asio::io_context& io, FrameHub& hub, const RecorderConfig& config);
    ~EventRecorder();
    EventRecorder(const EventRecorder&) = delete;
    EventRecorder& operator=(const EventRecorder&) = delete;

    void start();
    // Closes the open file (flushed, its row ended) and joins the thread.
    void stop();

    // FrameSubscriber, MotionListener: io thread.
    void onFrame(const EncodedFramePtr& frame) override;
    void onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change) override;
    void onMotionSample(const MotionSample& sample) override;

    RecorderStats stats() const;
    nlohmann::json status() const; // for /api/status "recording"
    EventIndex& index() { return *index_; }
    // /api/events and /events/ID/... for the HTTP server: any thread.
    EventFiles eventFiles() const;
    nlohmann::json eventsJson(std::size_t limit, std::optional<std::int64_t> before) const;
    std::optional<RecordedFile> recordedFile(std::int64_t id, bool thumbnail) const;
    const RecorderConfig& config() const { return config_; }

private:
    struct Command {
        enum class Kind { Open, Frame, Thumbnail, Close } kind = Kind::Frame;
        EncodedFramePtr frame;
        std::int64_t unixMs = 0; // Open: the event's or segment's start; Close: the end
        RecordingKind recording = RecordingKind::Event;
        MotionEventRecord event; // Open, Close: what is known of the motion event
    };

    // io thread
    void queue(Command command);
    void sendFrame(const EncodedFramePtr& frame);
    void openClip(const MotionEventRecord& event);
    void closeClip(std::int64_t endMs);
    void keepBest(const EncodedFramePtr& frame);

    // recorder thread
    void run();
    void execute(Command& command);
    void openFile(const Command& command, const EncodedFrame& first);
    void closeFile(std::optional<std::int64_t> endMs);
    void writeFrame(const EncodedFrame& frame, std::int64_t unixMs);
    void writeThumbnail(const EncodedFrame& frame);
    void applyRetention(std::uint64_t needBytes);
    void logError(const std::string& text);

    asio::io_context& io_;
    RecorderConfig config_;
    FrameHub::Subscription subscription_;
    std::unique_ptr<EventIndex> index_;

    // io thread only
    PreRollRing ring_;
    bool inClip_ = false;                      // frames go to the writer
    std::optional<std::int64_t> postRollEnd_;  // capture micros the clip ends after
    std::optional<std::int64_t> pendingEndMs_; // the event's end, told at Close
    std::uint64_t lastSent_ = 0;
    std::int64_t lastCaptureMicros_ = 0; // of the last frame sent
    bool sentAny_ = false;
    std::int64_t segmentStartMicros_ = 0;
    MotionEventRecord event_;
    double bestScore_ = -1;
    std::uint64_t bestSequence_ = 0;
    EncodedFramePtr bestFrame_;
    bool bestWritten_ = true;

    // shared with the recorder thread
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Command> queue_;
    std::size_t queuedBytes_ = 0;
    std::size_t queuedFrames_ = 0;
    bool stopping_ = false;
    std::thread thread_;

    // recorder thread only
    std::unique_ptr<MkvRecorder> file_;
    std::optional<Command> openCommand_; // what the open (or next) file is for
    EventRow row_;                       // the open clip's index row
    std::string fileName_;
    std::optional<std::int64_t> firstFrameMs_;
    std::int64_t lastFrameMs_ = 0;
    bool failed_ = false; // writing stopped after an error, until the next try
    std::chrono::steady_clock::time_point retryAt_{};
    std::chrono::steady_clock::time_point nextRetention_{};
    int reopenCount_ = 0;
    LogThrottle errorLog_{std::chrono::seconds(30)};

    std::atomic<std::uint64_t> written_{0}, dropped_{0}, lost_{0}, files_{0}, deleted_{0},
        errors_{0};
    std::atomic<bool> writing_{false};
};

// "off", "motion" or "continuous"; throws std::invalid_argument.
RecordMode parseRecordMode(const std::string& text);

} // namespace pistream
