#include "telemetry/telemetry.h"

namespace pistream {

TelemetryFigures TelemetryFigures::between(const TelemetrySnapshot& first,
                                           const TelemetrySnapshot& last, double seconds)
{
    const PipelineStats& a = first.pipeline;
    const PipelineStats& b = last.pipeline;
    const SessionTotals& sa = first.stream.totals;
    const SessionTotals& sb = last.stream.totals;
    const auto perSecond = [seconds](std::uint64_t from, std::uint64_t to) {
        return seconds > 0 ? static_cast<double>(to - from) / seconds : 0.0;
    };
    const std::uint64_t encoded = b.framesOut - a.framesOut;
    const std::uint64_t jpegBytes = b.jpegBytes - a.jpegBytes;
    const std::uint64_t payloadBytes = b.payloadBytes - a.payloadBytes;
    const double perFrame = encoded ? 1.0 / static_cast<double>(encoded) : 0.0;

    TelemetryFigures figures;
    figures.seconds = seconds;
    figures.fpsIn = perSecond(a.framesIn, b.framesIn);
    figures.fpsOut = perSecond(a.framesOut, b.framesOut);
    figures.framesSentPerSecond = perSecond(sa.framesSent, sb.framesSent);
    figures.megabitsPerSecond = perSecond(sa.bytesSent, sb.bytesSent) * 8 / 1e6;
    figures.skipped = sb.framesSkipped - sa.framesSkipped;
    figures.dropped = b.framesDropped - a.framesDropped;
    figures.encodeMillis = (b.encodeMillis - a.encodeMillis) * perFrame;
    figures.gzipMillis = (b.gzipMillis - a.gzipMillis) * perFrame;
    figures.gzipSavingPercent =
        jpegBytes
            ? 100.0 * (1.0 - static_cast<double>(payloadBytes) / static_cast<double>(jpegBytes))
            : 0.0;
    for (std::size_t i = 0; i < last.publishers.size(); ++i) {
        const PublisherStats& now = last.publishers[i];
        const PublisherStats before =
            i < first.publishers.size() ? first.publishers[i] : PublisherStats{};
        figures.publishers.push_back({now.connected, now.published - before.published,
                                      now.dropped - before.dropped, now.reconnects});
    }
    if (last.recording) {
        const RecorderStats& now = *last.recording;
        const RecorderStats before = first.recording.value_or(RecorderStats{});
        figures.recording = now;
        figures.recording.framesWritten = now.framesWritten - before.framesWritten;
        figures.recording.framesDropped = now.framesDropped - before.framesDropped;
        figures.recording.framesLost = now.framesLost - before.framesLost;
    }
    return figures;
}

Telemetry::Telemetry(const EncodePipeline& pipeline, const StreamServer& server,
                     const Publishers* publishers, const EventRecorder* recorder)
    : pipeline_(pipeline), server_(server), publishers_(publishers), recorder_(recorder)
{}

TelemetrySnapshot Telemetry::snapshot() const
{
    return {pipeline_.stats(), server_.stats(),
            publishers_ ? publishers_->stats() : std::vector<PublisherStats>{},
            recorder_ ? std::optional<RecorderStats>(recorder_->stats()) : std::nullopt};
}

bool TelemetryMeter::update(Clock::time_point now, const TelemetrySnapshot& snapshot)
{
    if (!meter_.update(now, snapshot))
        return false;
    figures_ = TelemetryFigures::between(meter_.first(), meter_.last(), meter_.seconds());
    return true;
}

} // namespace pistream
