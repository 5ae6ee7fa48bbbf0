#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pistream {

// Recordings are named by their start time in UTC, to the millisecond, so
// they sort by time and say when they are: event-20261202-193000-123.mkv
// (a motion clip), event-20261202-193000-123.jpg (its thumbnail),
// segment-20261202-193000-123.mkv (continuous recording).
enum class RecordingKind { Event, Segment };

std::string recordingStem(RecordingKind kind, std::int64_t unixMs);

struct RecordingName {
    RecordingKind kind = RecordingKind::Event;
    std::int64_t startMs = 0;
    std::string stem;      // without the extension
    std::string extension; // ".mkv" or ".jpg"
};
// Whether `name` (a file name, no directory) is one of ours; nothing else in
// the directory is ever touched.
std::optional<RecordingName> parseRecordingName(std::string_view name);

} // namespace pistream
