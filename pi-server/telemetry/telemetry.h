#pragma once

#include <chrono>
#include <cstdint>

#include "core/rate_meter.h"
#include "pipeline/encode_pipeline.h"
#include "publish/publishers.h"
#include "record/event_recorder.h"
#include "server/stream_server.h"

namespace pistream {

// What the server's stages have counted since start, at one moment.
struct TelemetrySnapshot {
    PipelineStats pipeline;
    StreamServerStats stream;
    std::vector<PublisherStats> publishers; // one per --publish, in order
    std::optional<RecorderStats> recording; // with --record
};

// One publisher's figures over a period.
struct PublisherFigures {
    bool connected = false;
    std::uint64_t published = 0;
    std::uint64_t dropped = 0;
    std::uint64_t reconnects = 0; // since start
};

// The figures of one period between two snapshots: what the stats line,
// /api/status and systemd's STATUS line show.
struct TelemetryFigures {
    double seconds = 0;
    double fpsIn = 0;               // from the source
    double fpsOut = 0;              // encoded and published
    double framesSentPerSecond = 0; // to stream viewers, all together
    double megabitsPerSecond = 0;   // to stream viewers
    std::uint64_t skipped = 0;      // for slow viewers
    std::uint64_t dropped = 0;      // at the encoder, busy
    double encodeMillis = 0;        // per encoded frame
    double gzipMillis = 0;          // per encoded frame
    double gzipSavingPercent = 0;   // of the JPEG bytes
    std::vector<PublisherFigures> publishers;
    RecorderStats recording; // frames written, dropped and lost in the period; files since start

    static TelemetryFigures between(const TelemetrySnapshot& first, const TelemetrySnapshot& last,
                                    double seconds);
};

// The one place the server's reports read their numbers from: the stages feed
// their counters (PipelineStats, StreamServerStats) and every report is a view
// of a snapshot, with its own TelemetryMeter for the period it covers.
class Telemetry {
public:
    Telemetry(const EncodePipeline& pipeline, const StreamServer& server,
              const Publishers* publishers = nullptr, const EventRecorder* recorder = nullptr);

    // io thread (StreamServer::stats() is).
    TelemetrySnapshot snapshot() const;
    const EncodePipeline& pipeline() const { return pipeline_; }

private:
    const EncodePipeline& pipeline_;
    const StreamServer& server_;
    const Publishers* publishers_;
    const EventRecorder* recorder_;
};

// A report's figures over periods of at least `period` (zero: since the last
// update). Pure: the time is passed in.
class TelemetryMeter {
public:
    using Clock = std::chrono::steady_clock;

    explicit TelemetryMeter(Clock::duration period) : meter_(period) {}

    // True when a period closed and figures() describe it.
    bool update(Clock::time_point now, const TelemetrySnapshot& snapshot);
    const TelemetryFigures& figures() const { return figures_; }

private:
    PeriodMeter<TelemetrySnapshot> meter_;
    TelemetryFigures figures_;
};

} // namespace pistream
