#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <asio.hpp>

#include "core/rate_meter.h"
#include "stream/viewer_sink.h"

namespace pistream {

class ViewerPipeline;

struct HeadlessConfig {
    std::uint64_t frames = 0; // stop after this many frames (0: no limit)
    double duration = 0;      // stop after this many seconds (0: no limit)
    bool json = false;        // print a final JSON object on stdout
    bool decode = true;       // false: the pipeline checks each JPEG's header but does not decode
    double printInterval = 1; // seconds between live stats lines on stderr (0: none)
};

// The viewer without a window, as a sink of the pipeline: prints the
// pipeline's statistics as a line every second on stderr, stops it after
// --frames or --duration or on Ctrl-C, and finally prints the JSON summary.
// Used by tests, benchmarks and anyone watching from a machine without a
// screen; the frames it counts went through the same pipeline as the window's.
class HeadlessPrinter : public ViewerSink {
public:
    // The pipeline must not reconnect: its end is the printer's end.
    HeadlessPrinter(ViewerPipeline& pipeline, const HeadlessConfig& config);

    // Before the pipeline runs: arms the timers and the signals.
    void start();
    // After the pipeline ended: prints the summary; returns the process exit
    // code (0: got what was asked).
    int summarize();

    void onFrame(const SinkFrame& frame) override;
    void onEnded(const std::string& reason, bool failed) override;

private:
    void finish(const std::string& reason, bool success);
    void printLive();
    void schedulePrint();

    ViewerPipeline& pipeline_;
    HeadlessConfig config_;
    asio::steady_timer durationTimer_;
    asio::steady_timer printTimer_;
    asio::signal_set signals_;
    RateMeter frameRate_{std::chrono::seconds(0)}; // since the last line
    RateMeter byteRate_{std::chrono::seconds(0)};
    std::chrono::steady_clock::time_point started_;
    bool finished_ = false;
    bool success_ = false;
    std::string reason_;
};

} // namespace pistream
