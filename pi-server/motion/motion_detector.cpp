#include "motion/motion_detector.h"

#include <algorithm>
#include <cmath>
#include <libyuv/scale.h>
#include <sstream>
#include <stdexcept>

namespace pistream {

MotionMask parseMotionMask(const std::string& text)
{
    const auto colon = text.find(':');
    const std::string kind = text.substr(0, colon);
    if (colon == std::string::npos || (kind != "ignore" && kind != "watch"))
        throw std::invalid_argument("motion mask '" + text +
                                    "': expected ignore:X,Y X,Y X,Y ... or watch:...");
    MotionMask mask;
    mask.watch = kind == "watch";
    std::istringstream points(text.substr(colon + 1));
    for (std::string point; points >> point;) {
        const auto comma = point.find(',');
        std::size_t usedX = 0, usedY = 0;
        double x = -1, y = -1;
        try {
            x = std::stod(point.substr(0, comma), &usedX);
            y = std::stod(point.substr(comma + 1), &usedY);
        } catch (const std::exception&) {
        }
        if (comma == std::string::npos || usedX != comma || usedY != point.size() - comma - 1 ||
            !(x >= 0 && x <= 1 && y >= 0 && y <= 1))
            throw std::invalid_argument("motion mask '" + text + "': point '" + point +
                                        "' is not X,Y with both from 0 to 1");
        mask.points.push_back({x, y});
    }
    if (mask.points.size() < 3)
        throw std::invalid_argument("motion mask '" + text + "': needs at least three points");
    return mask;
}

namespace {

bool inside(const MotionMask& mask, double x, double y)
{
    bool in = false;
    const auto& p = mask.points;
    for (std::size_t i = 0, j = p.size() - 1; i < p.size(); j = i++) {
        if ((p[i][1] > y) != (p[j][1] > y) &&
            x < (p[j][0] - p[i][0]) * (y - p[i][1]) / (p[j][1] - p[i][1]) + p[i][0])
            in = !in;
    }
    return in;
}

} // namespace

MotionDetector::MotionDetector(const MotionConfig& config) : config_(config)
{
    if (config_.analysisWidth < 8 || config_.everyNth < 1 || config_.alpha <= 0 ||
        config_.alpha > 1 || config_.minArea <= 0 || config_.lightChange <= config_.minArea)
        throw std::invalid_argument("motion detection: analysis width >= 8, every >= 1, "
                                    "0 < alpha <= 1 and 0 < area < light change");
}

void MotionDetector::resize(int frameWidth, int frameHeight)
{
    frameWidth_ = frameWidth;
    frameHeight_ = frameHeight;
    width_ = std::min(frameWidth, config_.analysisWidth);
    height_ = std::max(
        1, static_cast<int>(std::lround(static_cast<double>(frameHeight) * width_ / frameWidth)));
    const auto pixels = static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_);
    small_.assign(pixels, 0);
    background_.assign(pixels, 0);
    // With a border of zeros all round, so the despeckle needs no bounds checks.
    changed_.assign(
        (static_cast<std::size_t>(width_) + 2) * (static_cast<std::size_t>(height_) + 2), 0);
    kept_.assign(static_cast<std::size_t>(width_), 0);
    watched_.assign(pixels, 1);
    const bool anyWatch = std::any_of(config_.masks.begin(), config_.masks.end(),
                                      [](const MotionMask& mask) { return mask.watch; });
    watchedCount_ = 0;
    for (int row = 0; row < height_; ++row)
        for (int col = 0; col < width_; ++col) {
            const double x = (col + 0.5) / width_, y = (row + 0.5) / height_;
            // Inside a watch region (or anywhere, without one), and in no
            // ignore region: an ignore region wins where they overlap.
            bool inWatch = false, inIgnore = false;
            for (const MotionMask& mask : config_.masks)
                if (inside(mask, x, y))
                    (mask.watch ? inWatch : inIgnore) = true;
            const bool watched = (anyWatch ? inWatch : true) && !inIgnore;
            watched_[static_cast<std::size_t>(row * width_ + col)] = watched ? 1 : 0;
            watchedCount_ += watched ? 1 : 0;
        }
    learnt_ = false;
}

std::optional<MotionSample> MotionDetector::analyse(const RawFrame& frame)
{
    if (frame.format != PixelFormat::Yuv420 || frame.width <= 0 || frame.height <= 0)
        return std::nullopt;
    if (handed_++ % static_cast<std::uint64_t>(config_.everyNth) != 0)
        return std::nullopt;
    if (frame.width != frameWidth_ || frame.height != frameHeight_)
        resize(frame.width, frame.height);
    libyuv::ScalePlane(frame.planes[0].data, frame.planes[0].stride, frame.width, frame.height,
                       small_.data(), width_, width_, height_, libyuv::kFilterBilinear);
    const std::size_t pixels = small_.size();
    if (!learnt_) {
        for (std::size_t i = 0; i < pixels; ++i)
            background_[i] = static_cast<std::uint16_t>(small_[i] << 8);
        learnt_ = true;
        return std::nullopt;
    }
    // Fixed point, 8 fractional bits: one pass that tests each pixel against
    // the background and then moves the background towards it. Branch-free,
    // so that the compiler does many pixels at once.
    const int relative = static_cast<int>(std::lround(config_.relative * 256));
    const int absolute = config_.absolute << 8;
    const int alpha = static_cast<int>(std::lround(config_.alpha * 65536));
    const std::size_t padded = static_cast<std::size_t>(width_) + 2;
    const auto changedRow = [&](int row) {
        return changed_.data() + (static_cast<std::size_t>(row) + 1) * padded + 1;
    };
    int rawChanged = 0;
    for (int row = 0; row < height_; ++row) {
        const std::size_t from = static_cast<std::size_t>(row) * static_cast<std::size_t>(width_);
        std::uint8_t* changed = changedRow(row);
        for (std::size_t col = 0; col < static_cast<std::size_t>(width_); ++col) {
            const std::size_t i = from + col;
            const int background = background_[i];
            const int delta = (small_[i] << 8) - background;
            const int over =
                static_cast<int>(std::abs(delta) > ((background * relative) >> 8) + absolute);
            const int counted = watched_[i] & over;
            changed[col] = static_cast<std::uint8_t>(counted);
            rawChanged += counted;
            background_[i] = static_cast<std::uint16_t>(background + ((delta * alpha) >> 16));
        }
    }
    MotionSample sample;
    const double watched = std::max(1, watchedCount_);
    if (rawChanged / watched >= config_.lightChange) {
        // The whole scene changed at once: re-learn it rather than call it motion.
        for (std::size_t i = 0; i < pixels; ++i)
            background_[i] = static_cast<std::uint16_t>(small_[i] << 8);
        sample.score = rawChanged / watched;
        sample.lightChange = true;
        return sample;
    }
    // A changed pixel counts with at least two changed 4-neighbours: a lone
    // speck is sensor noise, not something moving. The border of zeros round
    // changed_ saves the bounds checks.
    int kept = 0;
    int left = width_, top = height_, right = -1, bottom = -1;
    for (int row = 0; row < height_; ++row) {
        const std::uint8_t* line = changedRow(row);
        if (std::find(line, line + width_, 1) == line + width_)
            continue; // most rows of a still scene
        const std::uint8_t* above = line - padded;
        const std::uint8_t* below = line + padded;
        int inRow = 0;
        for (int col = 0; col < width_; ++col) {
            const int neighbours = line[col - 1] + line[col + 1] + above[col] + below[col];
            const int keep = line[col] & static_cast<int>(neighbours >= 2);
            kept_[static_cast<std::size_t>(col)] = static_cast<std::uint8_t>(keep);
            inRow += keep;
        }
        if (inRow == 0)
            continue;
        kept += inRow;
        left = std::min(left,
                        static_cast<int>(std::find(kept_.begin(), kept_.end(), 1) - kept_.begin()));
        right = std::max(
            right, static_cast<int>(kept_.rend() - std::find(kept_.rbegin(), kept_.rend(), 1)) - 1);
        top = std::min(top, row);
        bottom = std::max(bottom, row);
    }
    sample.score = kept / watched;
    sample.motion = sample.score >= config_.minArea;
    if (kept > 0)
        sample.box = {static_cast<double>(left) / width_, static_cast<double>(top) / height_,
                      static_cast<double>(right - left + 1) / width_,
                      static_cast<double>(bottom - top + 1) / height_};
    return sample;
}

MotionEvents::Change MotionEvents::update(const MotionSample& sample, Clock::time_point now)
{
    if (!sample.motion) {
        inARow_ = 0;
        return tick(now);
    }
    ++inARow_;
    lastMotion_ = now;
    if (active_) {
        if (sample.score > peak_) {
            peak_ = sample.score;
            peakBox_ = sample.box;
        }
        return Change::None;
    }
    if (inARow_ < config_.minFrames)
        return Change::None;
    active_ = true;
    peak_ = sample.score;
    peakBox_ = sample.box;
    return Change::Started;
}

MotionEvents::Change MotionEvents::tick(Clock::time_point now)
{
    if (!active_ || now - lastMotion_ < config_.gap)
        return Change::None;
    active_ = false;
    return Change::Ended;
}

} // namespace pistream
