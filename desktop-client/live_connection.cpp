#include "live_connection.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include "codec/codec_threads.h"
#include "core/clock.h"

namespace pistream {

namespace {

constexpr auto kTick = std::chrono::milliseconds(250);

} // namespace

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

const char* nameOf(LinkState state)
{
    switch (state) {
    case LinkState::Connecting:
        return "connecting";
    case LinkState::Live:
        return "live";
    case LinkState::Stalled:
        return "stalled";
    case LinkState::SourceDown:
        return "source down";
    case LinkState::Reconnecting:
        return "reconnecting";
    case LinkState::WrongKey:
        return "wrong key";
    }
    return "?";
}

LiveConnection::LiveConnection(const LiveConfig& config, FrameSlot& slot,
                               std::function<void()> onFrame)
    : config_(config), slot_(slot), frameReady_(std::move(onFrame)), work_(io_.get_executor()),
      retryTimer_(io_), tickTimer_(io_), decoder_(codecThreads(config.client.decodeThreads))
{}

LiveConnection::~LiveConnection()
{
    stop();
}

void LiveConnection::start()
{
    thread_ = std::thread([this] {
        asio::post(io_, [this] {
            if (!config_.recordPath.empty())
                startRecording(config_.recordPath);
            connect();
            tick();
        });
        io_.run();
    });
}

void LiveConnection::stop()
{
    if (!thread_.joinable())
        return;
    asio::post(io_, [this] {
        stopping_ = true;
        retryTimer_.cancel();
        tickTimer_.cancel();
        if (client_)
            client_->stop("viewer closed");
        stopRecording();
        work_.reset();
    });
    thread_.join();
}

LinkStatus LiveConnection::status() const
{
    std::lock_guard lock(mutex_);
    return status_;
}

void LiveConnection::toggleRecording()
{
    asio::post(io_, [this] {
        if (recorder_ || !pendingRecording_.empty())
            stopRecording();
        else
            startRecording(timestampedName("pistream-", ".mkv"));
    });
}

void LiveConnection::connect()
{
    StreamClient::Handlers handlers;
    handlers.onHello = [this](const Hello& hello) {
        spdlog::info("connected to {}: {}x{}", config_.client.server.toString(), hello.width,
                     hello.height);
        backoff_.reset();
        lastFrame_ = std::chrono::steady_clock::now();
        std::lock_guard lock(mutex_);
        status_.width = hello.width;
        status_.height = hello.height;
    };
    handlers.onFrame = [this](const ReceivedFrame& frame) {
        onFrame(frame);
    };
    handlers.onStatus = [this](const Status& status) {
        sourceDown_ = status.state != SourceState::Live;
        if (sourceDown_)
            spdlog::warn("source is down: {}", status.text);
        else
            spdlog::info("source is back: {}", status.text);
        setState(sourceDown_ ? LinkState::SourceDown : LinkState::Live, status.text);
    };
    handlers.onClosed = [this](const std::string& reason, bool) {
        onClosed(reason, client_ && client_->wrongKey());
    };
    client_ = std::make_shared<StreamClient>(io_, config_.client, std::move(handlers));
    client_->start();
}

void LiveConnection::onClosed(const std::string& reason, bool wrongKey)
{
    if (stopping_)
        return;
    if (wrongKey) {
        // Retrying with the same key cannot help (and the server slows us down).
        spdlog::error("{}", reason);
        setState(LinkState::WrongKey, "start the viewer with --key KEY");
        return;
    }
    const auto delay = backoff_.next();
    spdlog::warn("connection to {}: {}; reconnecting in {:.1f} s", config_.client.server.toString(),
                 reason, static_cast<double>(delay.count()) / 1000);
    sourceDown_ = false;
    lastSequence_.reset();
    setState(LinkState::Reconnecting, reason);
    retryTimer_.expires_after(delay);
    retryTimer_.async_wait([this](const std::error_code& error) {
        if (!error && !stopping_)
            connect();
    });
}

void LiveConnection::onFrame(const ReceivedFrame& frame)
{
    lastFrame_ = std::chrono::steady_clock::now();
    ++windowFrames_;
    windowBytes_ += frame.wireBytes;
    std::uint64_t gaps = 0;
    if (lastSequence_ && frame.header.sequence > *lastSequence_)
        gaps = frame.header.sequence - *lastSequence_ - 1;
    lastSequence_ = frame.header.sequence;

    if (!pendingRecording_.empty()) {
        // Opened on the first frame, when its size is known.
        try {
            recorder_ = std::make_unique<MkvRecorder>(pendingRecording_, frame.header.width,
                                                      frame.header.height);
            spdlog::info("recording to {}", pendingRecording_);
        } catch (const std::exception& error) {
            spdlog::error("{}", error.what());
            std::lock_guard lock(mutex_);
            status_.lastError = error.what();
            status_.recording.clear();
        }
        pendingRecording_.clear();
    }
    if (recorder_) {
        try {
            recorder_->write(frame.jpeg, frame.header.captureMicros);
        } catch (const std::exception& error) {
            spdlog::error("{}", error.what());
            std::lock_guard lock(mutex_);
            status_.lastError = error.what();
            recorder_.reset();
            status_.recording.clear();
        }
    }

    DecodedFrame& out = slot_.back();
    const auto error = decoder_.decodeTo420(frame.jpeg, config_.client.limits.maxWidth,
                                            config_.client.limits.maxHeight, out.image);
    const bool fits = !error && out.image.info.width == frame.header.width &&
                      out.image.info.height == frame.header.height;
    {
        std::lock_guard lock(mutex_);
        ++status_.frames;
        status_.gaps += gaps;
        status_.width = frame.header.width;
        status_.height = frame.header.height;
        status_.rttMillis =
            client_->clock().roundTripMicros()
                ? std::optional<double>(static_cast<double>(*client_->clock().roundTripMicros()) /
                                        1000)
                : std::nullopt;
        if (!fits)
            ++status_.decodeErrors;
        if (status_.state != LinkState::Live && !sourceDown_)
            status_.state = LinkState::Live, status_.detail.clear();
    }
    if (!fits) {
        spdlog::warn("frame {} skipped: {}", frame.header.sequence,
                     error ? error.message() : "JPEG size differs from the frame's");
        return;
    }
    out.jpeg.assign(frame.jpeg.begin(), frame.jpeg.end());
    out.sequence = frame.header.sequence;
    out.captureOnViewerClock = client_->clock().toViewerClock(frame.header.captureMicros);
    slot_.publish();
    if (frameReady_)
        frameReady_();
}

void LiveConnection::tick()
{
    tickTimer_.expires_after(kTick);
    tickTimer_.async_wait([this](const std::error_code& error) {
        if (error || stopping_)
            return;
        const auto now = std::chrono::steady_clock::now();
        const double seconds = std::chrono::duration<double>(now - windowStart_).count();
        {
            std::lock_guard lock(mutex_);
            if (seconds >= 1.0) {
                status_.fps = static_cast<double>(windowFrames_) / seconds;
                status_.mbits = static_cast<double>(windowBytes_) * 8 / 1e6 / seconds;
                windowFrames_ = windowBytes_ = 0;
                windowStart_ = now;
            }
            if (status_.state == LinkState::Live && now - lastFrame_ > config_.stallAfter)
                status_.state = LinkState::Stalled;
        }
        tick();
    });
}

void LiveConnection::startRecording(std::string path)
{
    pendingRecording_ = std::move(path);
    std::lock_guard lock(mutex_);
    status_.recording = pendingRecording_;
    status_.lastError.clear();
}

void LiveConnection::stopRecording()
{
    pendingRecording_.clear();
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

void LiveConnection::setState(LinkState state, const std::string& detail)
{
    std::lock_guard lock(mutex_);
    status_.state = state;
    status_.detail = detail;
}

} // namespace pistream
