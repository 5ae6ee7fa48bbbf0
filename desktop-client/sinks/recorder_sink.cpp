#include "sinks/recorder_sink.h"

#include <chrono>
#include <ctime>

#include <spdlog/spdlog.h>

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

RecorderSink::RecorderSink(asio::io_context& io, std::string path) : io_(io)
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
            startRecording(timestampedName("pistream-", ".mkv"));
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
    if (!pending_.empty()) {
        // Opened on the first frame, when its size is known.
        try {
            recorder_ = std::make_unique<MkvRecorder>(pending_, received.header.width,
                                                      received.header.height);
            spdlog::info("recording to {}", pending_);
        } catch (const std::exception& error) {
            failed(error.what());
        }
        pending_.clear();
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

void RecorderSink::onEnded(const std::string&, bool)
{
    stopRecording();
}

void RecorderSink::startRecording(std::string path)
{
    pending_ = std::move(path);
    std::lock_guard lock(mutex_);
    status_.recording = pending_;
    status_.lastError.clear();
}

void RecorderSink::stopRecording()
{
    pending_.clear();
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
    std::lock_guard lock(mutex_);
    status_.lastError = error;
    status_.recording.clear();
}

} // namespace pistream
