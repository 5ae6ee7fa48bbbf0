#include "record/retention.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace pistream {

std::vector<std::string> chooseDeletions(std::vector<Recording> recordings,
                                         const RetentionConfig& config,
                                         const FilesystemSpace& space, std::int64_t nowMs,
                                         std::uint64_t needBytes, const std::string& keep)
{
    std::sort(recordings.begin(), recordings.end(), [](const Recording& a, const Recording& b) {
        return a.startMs != b.startMs ? a.startMs < b.startMs : a.name < b.name;
    });
    std::uint64_t total = 0;
    for (const Recording& recording : recordings)
        total += recording.bytes;
    // Free space wanted: a fraction of the filesystem plus what comes next.
    const auto wantFree =
        static_cast<std::uint64_t>(static_cast<double>(space.totalBytes) * config.minFreeFraction) +
        needBytes;
    std::uint64_t free = space.freeBytes;
    const std::int64_t oldestKept =
        config.maxDays > 0 ? nowMs - static_cast<std::int64_t>(config.maxDays) * 86'400'000 : 0;

    std::vector<std::string> doomed;
    for (const Recording& recording : recordings) {
        if (recording.name == keep)
            continue;
        const bool tooOld = config.maxDays > 0 && recording.startMs < oldestKept;
        const bool tooMuch = config.maxBytes > 0 && total > config.maxBytes;
        const bool tooFull = space.totalBytes > 0 && free < wantFree;
        if (!tooOld && !tooMuch && !tooFull)
            break; // the rest are newer: nothing more to do
        doomed.push_back(recording.name);
        total -= recording.bytes;
        free += recording.bytes;
    }
    return doomed;
}

std::uint64_t parseByteSize(const std::string& text)
{
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    int shift = 0;
    if (ec == std::errc{} && ptr != text.data()) {
        const std::string unit(ptr, end);
        if (unit.empty() || unit == "B" || unit == "b")
            shift = 0;
        else if (unit == "k" || unit == "K" || unit == "KiB")
            shift = 10;
        else if (unit == "M" || unit == "MiB")
            shift = 20;
        else if (unit == "G" || unit == "GiB")
            shift = 30;
        else if (unit == "T" || unit == "TiB")
            shift = 40;
        else
            shift = -1;
        if (shift >= 0 && value > 0 && (value << shift) >> shift == value)
            return value << shift;
    }
    throw std::invalid_argument("size '" + text +
                                "' is not a positive number of bytes with k, M, G or T");
}

} // namespace pistream
