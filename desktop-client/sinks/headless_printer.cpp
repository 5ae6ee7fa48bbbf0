#include "sinks/headless_printer.h"

#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "stream/viewer_pipeline.h"

namespace pistream {

HeadlessPrinter::HeadlessPrinter(ViewerPipeline& pipeline, const HeadlessConfig& config)
    : pipeline_(pipeline), config_(config), durationTimer_(pipeline.io()),
      printTimer_(pipeline.io()), signals_(pipeline.io(), SIGINT, SIGTERM)
{}

void HeadlessPrinter::start()
{
    const ViewerStats& stats = pipeline_.stats();
    started_ = std::chrono::steady_clock::now();
    frameRate_.update(started_, 0);
    byteRate_.update(started_, 0);
    if (config_.duration > 0) {
        durationTimer_.expires_after(
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                std::chrono::duration<double>(config_.duration)));
        durationTimer_.async_wait([this, &stats](const std::error_code& error) {
            if (error || finished_)
                return;
            const bool enough =
                config_.frames > 0 ? stats.frames() >= config_.frames : stats.frames() > 0;
            finish(enough ? "duration reached"
                          : "only " + std::to_string(stats.frames()) + " frames in " +
                                std::to_string(config_.duration) + " s",
                   enough);
        });
    }
    signals_.async_wait([this, &stats](const std::error_code& error, int) {
        if (!error && !finished_)
            finish("interrupted", stats.frames() > 0);
    });
    schedulePrint();
}

int HeadlessPrinter::summarize()
{
    const ViewerStats& stats = pipeline_.stats();
    if (config_.json) {
        auto json = stats.toJson();
        json["result"] = success_ ? "ok" : "error";
        json["reason"] = reason_;
        json["server"] = pipeline_.server();
        const auto offset = pipeline_.clock().offsetMicros();
        const auto rtt = pipeline_.roundTripMicros();
        json["clock_offset_us"] = offset ? nlohmann::json(*offset) : nlohmann::json(nullptr);
        json["rtt_us"] = rtt ? nlohmann::json(*rtt) : nlohmann::json(nullptr);
        json["decoded"] = config_.decode;
        std::cout << json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << std::endl;
    }
    if (success_)
        spdlog::info("done: {} frames ({})", stats.frames(), reason_);
    else
        spdlog::error("{} (after {} frames)", reason_, stats.frames());
    return success_ ? 0 : 1;
}

void HeadlessPrinter::onFrame(const SinkFrame&)
{
    const std::uint64_t frames = pipeline_.stats().frames();
    if (!finished_ && config_.frames > 0 && frames >= config_.frames)
        finish("received " + std::to_string(frames) + " frames", true);
}

void HeadlessPrinter::onEnded(const std::string& reason, bool failed)
{
    // Ended by finish() itself, or by the connection (which headless does not retry).
    if (!finished_)
        finish(reason, !failed);
}

void HeadlessPrinter::finish(const std::string& reason, bool success)
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
    pipeline_.stop(reason);
}

void HeadlessPrinter::schedulePrint()
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

void HeadlessPrinter::printLive()
{
    const ViewerStats& stats = pipeline_.stats();
    const auto now = std::chrono::steady_clock::now();
    const double fps = frameRate_.update(now, static_cast<double>(stats.frames()));
    const double mbits = byteRate_.update(now, static_cast<double>(stats.bytes())) * 8 / 1e6;
    const auto millis = [](std::optional<double> value) {
        return value ? fmt::format("{:.2f} ms", *value) : std::string("-");
    };
    const auto rtt = pipeline_.roundTripMicros();
    fmt::print(
        stderr,
        "{:6.1f}s  {}x{}  {:5.1f} fps  {:6.2f} Mbit/s  {}  frames {}  gaps {}  errors {}  "
        "latency p50 {} p99 {}  rtt {}\n",
        std::chrono::duration<double>(now - started_).count(), stats.width(), stats.height(), fps,
        mbits, rungName(stats.rung()), stats.frames(), stats.gaps(), stats.decodeErrors(),
        millis(stats.latencyPercentile(50)), millis(stats.latencyPercentile(99)),
        millis(rtt ? std::optional<double>(static_cast<double>(*rtt) / 1000) : std::nullopt));
}

} // namespace pistream
