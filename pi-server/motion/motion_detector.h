#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/raw_frame.h"

namespace pistream {

// A region of the picture in normalised coordinates (0..1 across and down),
// as a polygon; a rectangle is four points. "ignore" regions never count
// (a tree, the street); if any "watch" region exists, only those count.
struct MotionMask {
    bool watch = false;
    std::vector<std::array<double, 2>> points;
};
// "ignore:0,0 0.3,0 0.3,0.4 0,0.4" or "watch:..." (at least three points,
// each coordinate 0..1). Throws std::invalid_argument naming what is wrong.
MotionMask parseMotionMask(const std::string& text);

struct MotionConfig {
    int analysisWidth = 160; // the luma plane is box-filtered down to about this width
    int everyNth = 1;        // analyse every Nth frame handed over (high frame rates)
    double alpha = 0.02;     // how fast the background follows the scene, per analysed frame
    // A pixel changed when |new - background| > relative * background + absolute
    // (rpicam-apps' motion_detect test: brighter areas need a larger change).
    double relative = 0.15;
    int absolute = 10;
    double minArea = 0.004;    // changed fraction of the watched area that is motion
    double lightChange = 0.45; // changed fraction that is a global light change, not motion
    std::vector<MotionMask> masks;
};

// What one analysed frame showed.
struct MotionSample {
    double score = 0;            // changed fraction of the watched area (after despeckling)
    bool motion = false;         // score >= minArea, and not a light change
    bool lightChange = false;    // most of the picture changed together: background re-learnt
    std::array<double, 4> box{}; // x, y, w, h of what moved, normalised; zeros if nothing
    std::uint64_t sequence = 0;  // the analysed frame's (RawFrame::sequence, EncodedFrame's too)
};

// Motion on a downscaled luma plane: a running-average background (Frigate's
// frame_alpha), a per-pixel test that scales with brightness, a despeckle
// (a changed pixel counts only with at least two changed 4-neighbours), an
// area threshold over the watched region, and a global light change (clouds,
// a lamp, auto exposure) detected as most of the picture changing at once and
// answered by re-learning the background. Not thread-safe: one per pipeline,
// fed on the encode thread. Costs a box filter and two passes over about
// 160x90 bytes per analysed frame.
class MotionDetector {
public:
    explicit MotionDetector(const MotionConfig& config = {});

    // Nothing for frames skipped by everyNth; the first frame only learns.
    std::optional<MotionSample> analyse(const RawFrame& frame);

    int analysisWidth() const { return width_; }
    int analysisHeight() const { return height_; }

private:
    void resize(int frameWidth, int frameHeight);

    MotionConfig config_;
    int frameWidth_ = 0, frameHeight_ = 0;
    int width_ = 0, height_ = 0;
    std::uint64_t handed_ = 0;
    bool learnt_ = false;
    std::vector<std::uint8_t> small_;       // this frame, downscaled
    std::vector<std::uint16_t> background_; // running average, 8 fractional bits
    std::vector<std::uint8_t> changed_;     // per pixel, with a border of zeros
    std::vector<std::uint8_t> kept_;        // one row after the despeckle
    std::vector<std::uint8_t> watched_;     // the masks, rasterised at analysis size
    int watchedCount_ = 0;
};

// When events start and end, from the samples: an event starts after
// minFrames analysed frames with motion in a row, and ends when no motion
// has been seen for `gap` (motionEye's event gap). Pure: time is passed in.
struct MotionEventConfig {
    int minFrames = 2;
    std::chrono::milliseconds gap{30000};
};

class MotionEvents {
public:
    using Clock = std::chrono::steady_clock;
    enum class Change { None, Started, Ended };

    explicit MotionEvents(const MotionEventConfig& config = {}) : config_(config) {}

    Change update(const MotionSample& sample, Clock::time_point now);
    // No frames at all (the source is down) still ends an event after the gap.
    Change tick(Clock::time_point now);

    bool active() const { return active_; }
    double peakScore() const { return peak_; }
    const std::array<double, 4>& peakBox() const { return peakBox_; }

private:
    MotionEventConfig config_;
    bool active_ = false;
    int inARow_ = 0;
    Clock::time_point lastMotion_{};
    double peak_ = 0;
    std::array<double, 4> peakBox_{};
};

} // namespace pistream
