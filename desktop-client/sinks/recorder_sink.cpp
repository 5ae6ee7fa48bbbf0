#include "sinks/recorder_sink.h"

#include <chrono>
#include <ctime>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "core/rung.h"

namespace pistream {

std::string timestampedName(const char* prefix, const char* extension)
{
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[64];
    std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    return std::string(prefix) + text + "-" + std::to_string(1000 + millis).substr(1) + extension;
}

std::string recordingPart(const std::string& path, int part)
{
    if (part <= 1)
        return path;
    const std::filesystem::path file(path);
    const std::string name =
        file.stem().string() + "-" + std::to_string(part) + file.extension().string();
    return (file.parent_path() / name).string();
}

RecorderSink::RecorderSink(asio::io_context& io, std::string path, std::string prefix,
                           std::function<void(bool)> wantsFullSize)
    : io_(io), wantsFullSize_(std::move(wantsFullSize)), prefix_(std::move(prefix))
{
    if (!path.empty())
        startRecording(std::move(path));
}

RecorderSink::~RecorderSink()
{
    stopRecording();
}

void RecorderSink::toggle()
{
    asio::post(io_, [this] {
        if (recorder_ || !pending_.empty())
            stopRecording();
        else
            startRecording(timestampedName(prefix_.c_str(), ".mkv"));
    });
}

RecorderStatus RecorderSink::status() const
{
    std::lock_guard lock(mutex_);
    return status_;
}

void RecorderSink::onFrame(const SinkFrame& frame)
{
    const ReceivedFrame& received = frame.received;
    if (!pending_.empty() && wantsFullSize_ && received.header.rung < kRungCount &&
        halfSize(static_cast<Rung>(received.header.rung)) && waited_++ < kFullSizeWait)
        return;
    if (!pending_.empty()) {
        // Opened on the first frame, when its size is known.
        asked_ = pending_;
        part_ = 1;
        pending_.clear();
        open(received);
    } else if (recorder_ && (recorder_->width() != received.header.width ||
                             recorder_->height() != received.header.height)) {
        const std::string was = recorder_->path();
        const int width = recorder_->width(), height = recorder_->height();
        recorder_->close();
        spdlog::info("recorded {} frames to {}", recorder_->frames(), was);
        recorder_.reset();
        ++part_;
        spdlog::info("the stream changed size from {}x{} to {}x{}: recording goes on in {}", width,
                     height, received.header.width, received.header.height,
                     recordingPart(asked_, part_));
        open(received);
    }
    if (!recorder_)
        return;
    try {
        recorder_->write(received.jpeg, received.header.captureMicros);
    } catch (const std::exception& error) {
        recorder_.reset();
        failed(error.what());
    }
}

void RecorderSink::open(const ReceivedFrame& frame)
{
    const std::string path = recordingPart(asked_, part_);
    try {
        recorder_ = std::make_unique<MkvRecorder>(path, frame.header.width, frame.header.height);
        spdlog::info("recording to {}", path);
        std::lock_guard lock(mutex_);
        status_.recording = path;
    } catch (const std::exception& error) {
        failed(error.what());
    }
}

void RecorderSink::onEnded(const std::string&, bool)
{
    stopRecording();
}

void RecorderSink::startRecording(std::string path)
{
    pending_ = std::move(path);
    waited_ = 0;
    if (wantsFullSize_)
        wantsFullSize_(true);
    std::lock_guard lock(mutex_);
    status_.recording = pending_;
    status_.lastError.clear();
}

void RecorderSink::stopRecording()
{
    pending_.clear();
    if (wantsFullSize_)
        wantsFullSize_(false);
    {
        std::lock_guard lock(mutex_);
        status_.recording.clear();
    }
    if (!recorder_)
        return;
    recorder_->close();
    spdlog::info("recorded {} frames to {}", recorder_->frames(), recorder_->path());
    recorder_.reset();
}

void RecorderSink::failed(const std::string& error)
{
    spdlog::error("{}", error);
    if (wantsFullSize_)
        wantsFullSize_(false);
    std::lock_guard lock(mutex_);
    status_.lastError = error;
    status_.recording.clear();
}

} // namespace pistream
