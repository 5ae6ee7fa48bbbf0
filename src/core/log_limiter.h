#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pistream {

struct LogLimits {
    // Events of one key logged one by one in a window (a stale viewer trying
    // a few times is still seen in full); the rest are only counted until the
    // window ends, then one summary line says how many there were.
    int burst = 3;
    std::chrono::milliseconds window{10000};
    // Keys (kind and subject) remembered at once; past it, new subjects of a
    // kind share one key, "other addresses": the memory stays bounded.
    std::size_t maxKeys = 256;
};

// Decides, per kind of event and subject (usually an address), whether an
// event is worth a log line now or is only counted, to be summarised later: a
// flood of refused connections or wrong keys writes a few lines and a summary
// in its first window and one summary per window after, not one per event. Pure: time is passed in,
// nothing is written; LimitedLog writes what it decides.
class LogLimiter {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::string_view kOtherSubjects = "other addresses";

    // Events of one key that were counted, not logged, in a window now over.
    struct Summary {
        std::string kind;
        std::string subject;
        std::uint64_t count = 0;
        std::chrono::milliseconds over{0}; // how long the window lasted
    };

    explicit LogLimiter(const LogLimits& limits = {}) : limits_(limits) {}

    // An event: true when its own line should be written now (one of the
    // first `burst` of its key in a window), false when it is only counted.
    bool note(std::string_view kind, std::string_view subject, Clock::time_point now);
    // The summaries of windows over by `now` that counted events; each such
    // key starts a new window in which nothing is logged one by one (a flood
    // goes on: one summary per window). Keys whose window ended without
    // counted events are forgotten.
    std::vector<Summary> due(Clock::time_point now);
    // Every count, whether its window is over or not (when stopping).
    std::vector<Summary> drain(Clock::time_point now);
    // When the next window with counted events ends, if any does.
    std::optional<Clock::time_point> nextDue() const;
    std::size_t tracked() const { return entries_.size(); }

private:
    struct Entry {
        Clock::time_point windowStart;
        int logged = 0;          // events logged one by one since windowStart
        std::uint64_t count = 0; // events not logged since windowStart
    };
    using Key = std::pair<std::string, std::string>;
    Summary summarise(const Key& key, Entry& entry, Clock::time_point now) const;

    LogLimits limits_;
    std::map<Key, Entry> entries_;
};

} // namespace pistream
