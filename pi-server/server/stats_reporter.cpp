#include "server/stats_reporter.h"

#include <spdlog/spdlog.h>

namespace pistream {

StatsReporter::StatsReporter(asio::io_context& io, std::chrono::duration<double> interval,
                             const EncodePipeline& pipeline, const StreamServer& server)
    : timer_(io),
      interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval)),
      pipeline_(pipeline), server_(server)
{}

void StatsReporter::start()
{
    if (interval_.count() <= 0)
        return;
    lastPipeline_ = pipeline_.stats();
    lastServer_ = server_.stats();
    lastTime_ = std::chrono::steady_clock::now();
    schedule();
}

void StatsReporter::stop()
{
    timer_.cancel();
}

void StatsReporter::schedule()
{
    timer_.expires_after(interval_);
    timer_.async_wait([this](const std::error_code& error) {
        if (error)
            return;
        report();
        schedule();
    });
}

void StatsReporter::report()
{
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - lastTime_).count();
    const PipelineStats p = pipeline_.stats();
    const StreamServerStats s = server_.stats();
    const auto rate = [seconds](std::uint64_t current, std::uint64_t before) {
        return static_cast<double>(current - before) / seconds;
    };
    const std::uint64_t encoded = p.framesOut - lastPipeline_.framesOut;
    const std::uint64_t jpegBytes = p.jpegBytes - lastPipeline_.jpegBytes;
    const std::uint64_t payloadBytes = p.payloadBytes - lastPipeline_.payloadBytes;
    const double saving =
        jpegBytes
            ? 100.0 * (1.0 - static_cast<double>(payloadBytes) / static_cast<double>(jpegBytes))
            : 0.0;
    const double perFrame = encoded ? 1.0 / static_cast<double>(encoded) : 0.0;
    spdlog::info("stats: in {:.1f} fps, out {:.1f} fps, {} viewers, sent {:.1f} frames/s "
                 "{:.2f} Mbit/s, skipped {}, dropped {}, encode {:.2f} ms, gzip {} {:.2f} ms "
                 "saved {:.1f}%",
                 rate(p.framesIn, lastPipeline_.framesIn),
                 rate(p.framesOut, lastPipeline_.framesOut), s.viewers,
                 rate(s.totals.framesSent, lastServer_.totals.framesSent),
                 rate(s.totals.bytesSent, lastServer_.totals.bytesSent) * 8 / 1e6,
                 s.totals.framesSkipped - lastServer_.totals.framesSkipped,
                 p.framesDropped - lastPipeline_.framesDropped,
                 (p.encodeMillis - lastPipeline_.encodeMillis) * perFrame,
                 pipeline_.gzipSetting().mode == GzipSetting::Mode::Off ? "off"
                 : pipeline_.gzipPaused()                               ? "paused"
                                                                        : "on",
                 (p.gzipMillis - lastPipeline_.gzipMillis) * perFrame, saving);
    lastPipeline_ = p;
    lastServer_ = s;
    lastTime_ = now;
}

} // namespace pistream
