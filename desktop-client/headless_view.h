#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <asio.hpp>

#include "codec/jpeg_decoder.h"
#include "stream_client.h"
#include "viewer_stats.h"

namespace pistream {

struct HeadlessConfig {
    std::uint64_t frames = 0; // stop after this many frames (0: no limit)
    double duration = 0;      // stop after this many seconds (0: no limit)
    bool json = false;        // print a final JSON object on stdout
    bool decode = true;       // false: check each JPEG's header but do not decode it
    double printInterval = 1; // seconds between live stats lines on stderr (0: none)
};

// The viewer without a window: receives, inflates and decodes every frame (the
// full client path), prints live stats, and finally a JSON summary. Used by
// tests, benchmarks and anyone watching from a machine without a screen.
class HeadlessView {
public:
    HeadlessView(const ClientConfig& client, const HeadlessConfig& config);

    // Runs until done; returns the process exit code (0: got what was asked).
    int run();

private:
    void onFrame(const ReceivedFrame& frame);
    void finish(const std::string& reason, bool success);
    void printLive();
    void schedulePrint();

    asio::io_context io_;
    ClientConfig clientConfig_;
    HeadlessConfig config_;
    std::shared_ptr<StreamClient> client_;
    asio::steady_timer durationTimer_;
    asio::steady_timer printTimer_;
    asio::signal_set signals_;
    JpegDecoder decoder_;
    YuvImage image_;
    ViewerStats stats_;

    std::uint64_t lastPrintedFrames_ = 0;
    std::uint64_t lastPrintedBytes_ = 0;
    std::chrono::steady_clock::time_point lastPrint_;
    std::chrono::steady_clock::time_point started_;
    bool finished_ = false;
    bool success_ = false;
    std::string reason_;
};

} // namespace pistream
