#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "codec/gzip_compressor.h"

namespace pistream {

// --gzip off | auto | 1..9. JPEG data is already entropy coded, so gzip's worth
// depends on the picture. Measured at 1280x720 (bench/run.sh): on a pan across a
// photograph level 1 saves ~4% for ~60% of the JPEG encode's CPU; on flat
// synthetic scenes it saves a third or more for the same cost. `auto`
// compresses at level 1 while that saves at least minSaving (10% by default:
// worth a Pi's CPU only when it really shrinks the stream), and when it stops
// paying it pauses and probes one frame in every probeInterval.
struct GzipSetting {
    enum class Mode { Off, Auto, Fixed };
    Mode mode = Mode::Auto;
    int level = 1;
    GzipStrategy strategy = GzipStrategy::Default;
    double minSaving = 0.10; // auto: the saving (0..1) below which gzip pauses

    static GzipSetting parse(const std::string& text, GzipStrategy strategy);
    std::string toString() const;
};

class GzipPolicy {
public:
    explicit GzipPolicy(const GzipSetting& setting, std::uint32_t probeInterval = 90,
                        std::uint32_t patience = 5);

    // Whether to gzip the next frame.
    bool shouldCompress();
    // Reports the sizes of a compressed frame; returns whether to send the gzip
    // member (false: it did not save enough, send the plain JPEG instead).
    bool record(std::size_t jpegBytes, std::size_t gzipBytes);

    bool paused() const { return paused_; }
    const GzipSetting& setting() const { return setting_; }

private:
    GzipSetting setting_;
    double minSaving_;
    std::uint32_t probeInterval_;
    std::uint32_t patience_;
    bool paused_ = false;
    std::uint32_t sinceProbe_ = 0;
    std::uint32_t poorInARow_ = 0;
};

} // namespace pistream
