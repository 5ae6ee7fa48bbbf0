#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <asio.hpp>

#include "media/mkv_recorder.h"
#include "stream/viewer_sink.h"

namespace pistream {

// "pistream-20261122-041530-123.jpg": a local-time name for snapshots and recordings.
std::string timestampedName(const char* prefix, const char* extension);

// The file for part `part` (1, 2, ...) of a recording asked for as `path`:
// the path itself, then "name-2.mkv", "name-3.mkv" ... beside it.
std::string recordingPart(const std::string& path, int part);

// What the overlay shows about recording; a copy taken under a lock.
struct RecorderStatus {
    std::string recording; // the file being recorded, if any
    std::string lastError; // the last recording problem, if any
};

// The recorder as a sink of the pipeline: writes each JPEG as received into
// an MkvRecorder while recording. A recording opens with the next frame
// (when the size is known) and closes when toggled off or the pipeline ends.
// A Matroska track has one size, so when the stream's size changes (a server
// restarted at another size) the recording goes on in the next part,
// recordingPart(path, 2) and so on.
// A recording that fails stops with its error kept for the overlay; the
// stream goes on. With `wantsFullSize` (a wall's tile, whose server sends
// half-size pictures until it is told a recording wants the full ones) it is
// told on the pipeline's thread when recording starts (true) and when it
// stops or fails (false), and a recording opens with the first frame not on
// a half-size rung, or with whatever comes after kFullSizeWait frames (a
// link that carries no more).
class RecorderSink : public ViewerSink {
public:
    // io: the pipeline's; path: record from the first frame on (empty: not
    // yet); prefix: of the timestamped files toggle() starts (a wall has
    // one per camera, so that files started at once do not collide).
    RecorderSink(asio::io_context& io, std::string path, std::string prefix = "pistream-",
                 std::function<void(bool)> wantsFullSize = {});
    ~RecorderSink() override;

    // Any thread: starts recording into a new timestamped file, or stops.
    void toggle();
    // Any thread.
    RecorderStatus status() const;

    void onFrame(const SinkFrame& frame) override;
    void onEnded(const std::string& reason, bool failed) override;

    static constexpr int kFullSizeWait = 30; // frames

private:
    void startRecording(std::string path);
    void open(const ReceivedFrame& frame);
    void stopRecording();
    void failed(const std::string& error);

    asio::io_context& io_;
    std::unique_ptr<MkvRecorder> recorder_;
    std::string pending_; // opens with the next frame
    std::function<void(bool)> wantsFullSize_;
    int waited_ = 0;    // frames passed over while pending, for a full-size one
    std::string asked_; // the recording's first file, which names its parts
    std::string prefix_;
    int part_ = 0;

    mutable std::mutex mutex_;
    RecorderStatus status_;
};

} // namespace pistream
