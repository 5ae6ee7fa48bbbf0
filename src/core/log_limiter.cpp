#include "core/log_limiter.h"

namespace pistream {

bool LogLimiter::note(std::string_view kind, std::string_view subject, Clock::time_point now)
{
    Key key{std::string(kind), std::string(subject)};
    auto it = entries_.find(key);
    if (it == entries_.end() && entries_.size() >= limits_.maxKeys) {
        // Windows over without events are forgotten first; if that frees no
        // room, the subject shares its kind's overflow key (beyond the cap:
        // one per kind, and the kinds are few and fixed in the code).
        std::erase_if(entries_, [&](const auto& entry) {
            return entry.second.count == 0 && now - entry.second.windowStart >= limits_.window;
        });
        if (entries_.size() >= limits_.maxKeys)
            key.second = kOtherSubjects;
        it = entries_.find(key);
    }
    if (it == entries_.end()) {
        entries_.emplace(std::move(key), Entry{now, 1, 0});
        return true;
    }
    Entry& entry = it->second;
    if (now - entry.windowStart >= limits_.window && entry.count == 0) {
        entry = Entry{now, 1, 0}; // a quiet window ended: this one is news again
        return true;
    }
    if (entry.logged < limits_.burst && entry.count == 0) {
        ++entry.logged;
        return true;
    }
    // Counted, even past the window's end: the summary (due() or the next
    // note after it) reports it and starts the next window.
    ++entry.count;
    return false;
}

LogLimiter::Summary LogLimiter::summarise(const Key& key, Entry& entry, Clock::time_point now) const
{
    Summary summary{key.first, key.second, entry.count,
                    std::chrono::duration_cast<std::chrono::milliseconds>(now - entry.windowStart)};
    // The flood goes on: the next window only counts.
    entry = Entry{now, limits_.burst, 0};
    return summary;
}

std::vector<LogLimiter::Summary> LogLimiter::due(Clock::time_point now)
{
    std::vector<Summary> summaries;
    for (auto it = entries_.begin(); it != entries_.end();) {
        Entry& entry = it->second;
        if (now - entry.windowStart < limits_.window) {
            ++it;
        } else if (entry.count > 0) {
            summaries.push_back(summarise(it->first, entry, now));
            ++it;
        } else {
            it = entries_.erase(it);
        }
    }
    return summaries;
}

std::vector<LogLimiter::Summary> LogLimiter::drain(Clock::time_point now)
{
    std::vector<Summary> summaries;
    for (auto& [key, entry] : entries_)
        if (entry.count > 0)
            summaries.push_back(summarise(key, entry, now));
    entries_.clear();
    return summaries;
}

std::optional<LogLimiter::Clock::time_point> LogLimiter::nextDue() const
{
    std::optional<Clock::time_point> next;
    for (const auto& [key, entry] : entries_)
        if (entry.count > 0 && (!next || entry.windowStart + limits_.window < *next))
            next = entry.windowStart + limits_.window;
    return next;
}

} // namespace pistream
