#include "record/recording_names.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace pistream {

namespace {

constexpr std::string_view kEvent = "event-";
constexpr std::string_view kSegment = "segment-";

bool number(std::string_view text, int& out)
{
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && ptr == text.data() + text.size();
}

} // namespace

std::string recordingStem(RecordingKind kind, std::int64_t unixMs)
{
    const std::time_t seconds = static_cast<std::time_t>(unixMs / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%s%04d%02d%02d-%02d%02d%02d-%03d",
                  kind == RecordingKind::Event ? "event-" : "segment-", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(unixMs % 1000));
    return text;
}

std::optional<RecordingName> parseRecordingName(std::string_view name)
{
    RecordingName out;
    std::string_view rest = name;
    if (rest.starts_with(kEvent)) {
        out.kind = RecordingKind::Event;
        rest.remove_prefix(kEvent.size());
    } else if (rest.starts_with(kSegment)) {
        out.kind = RecordingKind::Segment;
        rest.remove_prefix(kSegment.size());
    } else {
        return std::nullopt;
    }
    // YYYYMMDD-HHMMSS-mmm then an extension; a -N suffix (a file reopened
    // after a write error) is allowed before it.
    const auto dot = rest.rfind('.');
    if (dot == std::string_view::npos)
        return std::nullopt;
    out.extension = std::string(rest.substr(dot));
    if (out.extension != ".mkv" && (out.extension != ".jpg" || out.kind != RecordingKind::Event))
        return std::nullopt;
    const std::string_view time = rest.substr(0, dot);
    if (time.size() < 19 || time[8] != '-' || time[15] != '-')
        return std::nullopt;
    if (time.size() > 19 && (time[19] != '-' || time.size() > 24))
        return std::nullopt;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
    if (!number(time.substr(0, 4), year) || !number(time.substr(4, 2), month) ||
        !number(time.substr(6, 2), day) || !number(time.substr(9, 2), hour) ||
        !number(time.substr(11, 2), minute) || !number(time.substr(13, 2), second) ||
        !number(time.substr(16, 3), millis))
        return std::nullopt;
    int suffix = 0;
    if (time.size() > 19 && (!number(time.substr(20), suffix) || suffix < 1))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 ||
        year < 1970)
        return std::nullopt;
    std::tm utc{};
    utc.tm_year = year - 1900;
    utc.tm_mon = month - 1;
    utc.tm_mday = day;
    utc.tm_hour = hour;
    utc.tm_min = minute;
    utc.tm_sec = second;
    out.startMs = static_cast<std::int64_t>(timegm(&utc)) * 1000 + millis;
    out.stem = std::string(name.substr(0, name.size() - out.extension.size()));
    return out;
}

} // namespace pistream
