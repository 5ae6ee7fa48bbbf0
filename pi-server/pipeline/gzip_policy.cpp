#include "pipeline/gzip_policy.h"

#include <charconv>
#include <stdexcept>

namespace pistream {

GzipSetting GzipSetting::parse(const std::string& text, GzipStrategy strategy)
{
    GzipSetting setting;
    setting.strategy = strategy;
    if (text == "off") {
        setting.mode = Mode::Off;
    } else if (text == "auto") {
        setting.mode = Mode::Auto;
        setting.level = 1;
    } else {
        int level = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), level);
        if (ec != std::errc{} || ptr != text.data() + text.size() || level < 1 || level > 9)
            throw std::invalid_argument("--gzip must be off, auto or a level 1..9, not '" + text +
                                        "'");
        setting.mode = Mode::Fixed;
        setting.level = level;
    }
    return setting;
}

std::string GzipSetting::toString() const
{
    switch (mode) {
    case Mode::Off:
        return "off";
    case Mode::Auto:
        return std::string("auto (level 1, ") + nameOf(strategy) +
               ", while it saves >= " + std::to_string(static_cast<int>(minSaving * 100 + 0.5)) +
               "%)";
    case Mode::Fixed:
        return "level " + std::to_string(level) + " (" + nameOf(strategy) + ")";
    }
    return "?";
}

GzipPolicy::GzipPolicy(const GzipSetting& setting, std::uint32_t probeInterval,
                       std::uint32_t patience)
    : setting_(setting), minSaving_(setting.minSaving), probeInterval_(probeInterval),
      patience_(patience)
{}

bool GzipPolicy::shouldCompress()
{
    switch (setting_.mode) {
    case GzipSetting::Mode::Off:
        return false;
    case GzipSetting::Mode::Fixed:
        return true;
    case GzipSetting::Mode::Auto:
        break;
    }
    if (!paused_)
        return true;
    if (++sinceProbe_ >= probeInterval_) {
        sinceProbe_ = 0;
        return true; // probe
    }
    return false;
}

bool GzipPolicy::record(std::size_t jpegBytes, std::size_t gzipBytes)
{
    if (setting_.mode != GzipSetting::Mode::Auto)
        return true;
    const bool pays = jpegBytes > 0 && static_cast<double>(gzipBytes) <=
                                           static_cast<double>(jpegBytes) * (1.0 - minSaving_);
    if (pays) {
        paused_ = false;
        poorInARow_ = 0;
    } else if (!paused_ && ++poorInARow_ >= patience_) {
        paused_ = true;
        sinceProbe_ = 0;
    }
    return pays;
}

} // namespace pistream
