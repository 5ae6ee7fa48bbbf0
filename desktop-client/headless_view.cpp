#include "headless_view.h"

#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>

#include "codec/codec_threads.h"
#include "core/clock.h"
#include "core/error.h"

namespace pistream {

HeadlessView::HeadlessView(const ClientConfig& client, const HeadlessConfig& config)
    : clientConfig_(client), config_(config), durationTimer_(io_), printTimer_(io_),
      signals_(io_, SIGINT, SIGTERM), decoder_(codecThreads(client.decodeThreads))
{}

int HeadlessView::run()
{
    StreamClient::Handlers handlers;
    handlers.onHello = [this](const Hello& hello) {
        spdlog::info("connected to {}: {}x{} @ {:.2f} fps, protocol {}.{}",
                     clientConfig_.server.toString(), hello.width, hello.height,
                     static_cast<double>(hello.fpsNumerator) / hello.fpsDenominator,
                     hello.versionMajor, hello.versionMinor);
    };
    handlers.onFrame = [this](const ReceivedFrame& frame) {
        onFrame(frame);
    };
    handlers.onStatus = [](const Status& status) {
        if (status.state == SourceState::Live)
            spdlog::info("source is live: {}", status.text);
        else
            spdlog::warn("source is down: {}", status.text);
    };
    handlers.onClosed = [this](const std::string& reason, bool) {
        if (!finished_)
            finish(reason, false);
    };
    client_ = std::make_shared<StreamClient>(io_, clientConfig_, std::move(handlers));

    started_ = lastPrint_ = std::chrono::steady_clock::now();
    client_->start();
    if (config_.duration > 0) {
        durationTimer_.expires_after(
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                std::chrono::duration<double>(config_.duration)));
        durationTimer_.async_wait([this](const std::error_code& error) {
            if (error || finished_)
                return;
            const bool enough =
                config_.frames > 0 ? stats_.frames() >= config_.frames : stats_.frames() > 0;
            finish(enough ? "duration reached"
                          : "only " + std::to_string(stats_.frames()) + " frames in " +
                                std::to_string(config_.duration) + " s",
                   enough);
        });
    }
    signals_.async_wait([this](const std::error_code& error, int) {
        if (!error && !finished_)
            finish("interrupted", stats_.frames() > 0);
    });
    schedulePrint();
    io_.run();

    if (config_.json) {
        auto json = stats_.toJson();
        json["result"] = success_ ? "ok" : "error";
        json["reason"] = reason_;
        json["server"] = clientConfig_.server.toString();
        const auto offset = client_->clock().offsetMicros();
        const auto rtt = client_->clock().roundTripMicros();
        json["clock_offset_us"] = offset ? nlohmann::json(*offset) : nlohmann::json(nullptr);
        json["rtt_us"] = rtt ? nlohmann::json(*rtt) : nlohmann::json(nullptr);
        json["decoded"] = config_.decode;
        std::cout << json.dump() << std::endl;
    }
    if (success_)
        spdlog::info("done: {} frames ({})", stats_.frames(), reason_);
    else
        spdlog::error("{} (after {} frames)", reason_, stats_.frames());
    return success_ ? 0 : 1;
}

void HeadlessView::onFrame(const ReceivedFrame& frame)
{
    if (finished_)
        return;
    stats_.addFrame(frame.header, frame.wireBytes, frame.receivedMicros);
    std::error_code error;
    if (config_.decode) {
        error = decoder_.decode(frame.jpeg, clientConfig_.limits.maxWidth,
                                clientConfig_.limits.maxHeight, image_);
        if (!error &&
            (image_.info.width != frame.header.width || image_.info.height != frame.header.height))
            error = Errc::JpegMismatch;
    } else {
        JpegInfo info;
        error = decoder_.readHeader(frame.jpeg, info);
        if (!error && (info.width != frame.header.width || info.height != frame.header.height))
            error = Errc::JpegMismatch;
    }
    if (error) {
        stats_.addDecodeError();
        spdlog::warn("frame {} skipped: {}", frame.header.sequence, error.message());
    } else if (client_->clock().offsetMicros()) {
        const std::int64_t latency =
            monotonicMicros() - client_->clock().toViewerClock(frame.header.captureMicros);
        stats_.addLatency(static_cast<double>(latency) / 1000.0);
    }
    if (config_.frames > 0 && stats_.frames() >= config_.frames)
        finish("received " + std::to_string(stats_.frames()) + " frames", true);
}

void HeadlessView::finish(const std::string& reason, bool success)
{
    if (finished_)
        return;
    finished_ = true;
    success_ = success;
    reason_ = reason;
    durationTimer_.cancel();
    printTimer_.cancel();
    std::error_code ignored;
    signals_.cancel(ignored);
    if (client_)
        client_->stop(reason);
}

void HeadlessView::schedulePrint()
{
    if (config_.printInterval <= 0)
        return;
    printTimer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(config_.printInterval)));
    printTimer_.async_wait([this](const std::error_code& error) {
        if (error || finished_)
            return;
        printLive();
        schedulePrint();
    });
}

void HeadlessView::printLive()
{
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - lastPrint_).count();
    const double fps = static_cast<double>(stats_.frames() - lastPrintedFrames_) / seconds;
    const double mbits =
        static_cast<double>(stats_.bytes() - lastPrintedBytes_) * 8 / 1e6 / seconds;
    const auto millis = [](std::optional<double> value) {
        return value ? fmt::format("{:.2f} ms", *value) : std::string("-");
    };
    const auto rtt = client_->clock().roundTripMicros();
    fmt::print(
        stderr,
        "{:6.1f}s  {}x{}  {:5.1f} fps  {:6.2f} Mbit/s  frames {}  gaps {}  errors {}  "
        "latency p50 {} p99 {}  rtt {}\n",
        std::chrono::duration<double>(now - started_).count(), stats_.width(), stats_.height(), fps,
        mbits, stats_.frames(), stats_.gaps(), stats_.decodeErrors(),
        millis(stats_.latencyPercentile(50)), millis(stats_.latencyPercentile(99)),
        millis(rtt ? std::optional<double>(static_cast<double>(*rtt) / 1000) : std::nullopt));
    lastPrint_ = now;
    lastPrintedFrames_ = stats_.frames();
    lastPrintedBytes_ = stats_.bytes();
}

} // namespace pistream
