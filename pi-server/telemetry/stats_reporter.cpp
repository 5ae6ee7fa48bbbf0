#include "telemetry/stats_reporter.h"

#include <spdlog/spdlog.h>

namespace pistream {

StatsReporter::StatsReporter(asio::io_context& io, std::chrono::duration<double> interval,
                             const Telemetry& telemetry)
    : timer_(io),
      interval_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval)),
      telemetry_(telemetry)
{}

void StatsReporter::start()
{
    if (interval_.count() <= 0)
        return;
    meter_.update(std::chrono::steady_clock::now(), telemetry_.snapshot());
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
    const TelemetrySnapshot snapshot = telemetry_.snapshot();
    if (!meter_.update(std::chrono::steady_clock::now(), snapshot))
        return;
    const TelemetryFigures& f = meter_.figures();
    const EncodePipeline& pipeline = telemetry_.pipeline();
    spdlog::info("stats: in {:.1f} fps, out {:.1f} fps, {} viewers, sent {:.1f} frames/s "
                 "{:.2f} Mbit/s, skipped {}, dropped {}, encode {:.2f} ms, gzip {} {:.2f} ms "
                 "saved {:.1f}%",
                 f.fpsIn, f.fpsOut, snapshot.stream.viewers, f.framesSentPerSecond,
                 f.megabitsPerSecond, f.skipped, f.dropped, f.encodeMillis,
                 pipeline.gzipSetting().mode == GzipSetting::Mode::Off ? "off"
                 : pipeline.gzipPaused()                               ? "paused"
                                                                       : "on",
                 f.gzipMillis, f.gzipSavingPercent);
    for (std::size_t i = 0; i < f.publishers.size() && i < snapshot.publishers.size(); ++i) {
        const PublisherFigures& p = f.publishers[i];
        spdlog::info("stats: publish {} {}: published {}, dropped {}, reconnects {}",
                     snapshot.publishers[i].target, p.connected ? "connected" : "DISCONNECTED",
                     p.published, p.dropped, p.reconnects);
    }
    if (snapshot.recording) {
        const RecorderStats& r = f.recording;
        spdlog::info("stats: recording {}: written {}, dropped {} (queue full), lost {} (write "
                     "errors), files {}, deleted {}",
                     r.writing ? "writing" : "idle", r.framesWritten, r.framesDropped, r.framesLost,
                     r.files, r.deleted);
    }
}

} // namespace pistream
