#include "server/status_report.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/version.h"

namespace pistream {

StatusReport::StatusReport(const EncodePipeline& pipeline, const StreamServer& server,
                           std::string description, StreamFormat format)
    : pipeline_(pipeline), server_(server), description_(std::move(description)), format_(format),
      lastPipeline_(pipeline.stats())
{}

nlohmann::json StatusReport::build()
{
    const auto now = std::chrono::steady_clock::now();
    const PipelineStats p = pipeline_.stats();
    const double seconds = std::chrono::duration<double>(now - sampled_).count();
    // Over a second at least; the very first answer makes do with a quarter.
    if (seconds >= 1.0 || (sampled_ == started_ && seconds >= 0.25)) {
        fpsIn_ = static_cast<double>(p.framesIn - lastPipeline_.framesIn) / seconds;
        fpsOut_ = static_cast<double>(p.framesOut - lastPipeline_.framesOut) / seconds;
        lastPipeline_ = p;
        sampled_ = now;
    }
    const StreamServerStats s = server_.stats();
    const double saving =
        p.jpegBytes
            ? 100.0 * (1.0 - static_cast<double>(p.payloadBytes) / static_cast<double>(p.jpegBytes))
            : 0.0;
    const double temperature = socTemperature();
    return {
        {"version", kVersion},
        {"uptimeSeconds", std::chrono::duration<double>(now - started_).count()},
        {"source", {{"description", description_}}},
        {"width", format_.width},
        {"height", format_.height},
        {"fps", {{"configured", format_.fps()}, {"in", fpsIn_}, {"out", fpsOut_}}},
        {"viewers", {{"tcp", s.viewers}}},
        {"bytesSent", {{"tcp", s.totals.bytesSent}}},
        {"frames",
         {{"in", p.framesIn},
          {"encoded", p.framesOut},
          {"dropped", p.framesDropped},
          {"skippedForViewers", s.totals.framesSkipped}}},
        {"gzip",
         {{"mode", pipeline_.gzipSetting().toString()},
          {"paused", pipeline_.gzipPaused()},
          {"savingPercent", saving}}},
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
