#include "telemetry/status_report.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/version.h"

namespace pistream {

StatusReport::StatusReport(const Telemetry& telemetry, std::string description, StreamFormat format)
    : telemetry_(telemetry), description_(std::move(description)), format_(format)
{
    meter_.update(started_, telemetry_.snapshot());
    firstMeter_.update(started_, telemetry_.snapshot());
}

nlohmann::json StatusReport::build()
{
    const auto now = std::chrono::steady_clock::now();
    const TelemetrySnapshot snapshot = telemetry_.snapshot();
    meter_.update(now, snapshot);
    firstMeter_.update(now, snapshot);
    const TelemetryFigures& f =
        meter_.figures().seconds > 0 ? meter_.figures() : firstMeter_.figures();
    const PipelineStats& p = snapshot.pipeline;
    const StreamServerStats& s = snapshot.stream;
    const EncodePipeline& pipeline = telemetry_.pipeline();
    const double saving =
        p.jpegBytes
            ? 100.0 * (1.0 - static_cast<double>(p.payloadBytes) / static_cast<double>(p.jpegBytes))
            : 0.0;
    const double temperature = socTemperature();
    nlohmann::json publishers = nlohmann::json::array();
    for (const PublisherStats& publisher : snapshot.publishers)
        publishers.push_back({{"target", publisher.target},
                              {"connected", publisher.connected},
                              {"published", publisher.published},
                              {"bytes", publisher.bytes},
                              {"dropped", publisher.dropped},
                              {"reconnects", publisher.reconnects},
                              {"lastError", publisher.lastError}});
    return {
        {"version", kVersion},
        {"uptimeSeconds", std::chrono::duration<double>(now - started_).count()},
        {"source", {{"description", description_}}},
        {"width", format_.width},
        {"height", format_.height},
        {"fps", {{"configured", format_.fps()}, {"in", f.fpsIn}, {"out", f.fpsOut}}},
        {"viewers", {{"tcp", s.viewers}}},
        {"bytesSent", {{"tcp", s.totals.bytesSent}}},
        {"frames",
         {{"in", p.framesIn},
          {"encoded", p.framesOut},
          {"dropped", p.framesDropped},
          {"idle", p.framesIdle},
          {"sentToViewers", s.totals.framesSent},
          {"skippedForViewers", s.totals.framesSkipped}}},
        {"stream",
         {{"viewersServed", s.viewersServed},
          {"viewersRefused", s.viewersRefused},
          {"handshaking", s.handshaking},
          {"handshakeFailures", s.handshakeFailures},
          {"turnedAway", s.turnedAway}}},
        {"gzip",
         {{"mode", pipeline.gzipSetting().toString()},
          {"paused", pipeline.gzipPaused()},
          {"savingPercent", saving}}},
        {"publishers", publishers},
        {"socTemperatureC",
         temperature < 0 ? nlohmann::json(nullptr) : nlohmann::json(temperature)},
    };
}

double socTemperature(const std::string& root)
{
    std::ifstream file(root + "/thermal_zone0/temp");
    long milli = 0;
    if (!(file >> milli))
        return -1;
    return static_cast<double>(milli) / 1000;
}

} // namespace pistream
