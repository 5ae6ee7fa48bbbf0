#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/log_limiter.h"

namespace pistream {

// A kind of event that can come in floods (a refused connection, a wrong
// key): its name keys the LogLimiter, and `summary` is the line that stands
// for the events not logged one by one, with {count}, {subject} and {seconds}
// replaced, e.g. "http: {count} more wrong keys from {subject} in the last
// {seconds} s".
struct LogKind {
    std::string_view name;
    std::string_view summary;
};

// Writes warnings to spdlog's default logger through a LogLimiter: the first
// event of a kind and subject in a window is written as it is, the rest are
// counted and summarised in one line when the window ends. Whoever owns it
// calls flush() when nextDue() says (a timer on the io thread) and flushAll()
// when stopping. Not thread-safe: one owner, one thread.
class LimitedLog {
public:
    using Clock = LogLimiter::Clock;

    explicit LimitedLog(const LogLimits& limits = {}) : limiter_(limits) {}

    // `line` is written now, or counted under (kind, subject). Summaries
    // already due are written first.
    void warn(const LogKind& kind, std::string_view subject, Clock::time_point now,
              const std::string& line);
    // The summaries of windows over by `now`.
    void flush(Clock::time_point now);
    // Every summary, window over or not.
    void flushAll(Clock::time_point now);
    std::optional<Clock::time_point> nextDue() const { return limiter_.nextDue(); }

private:
    void write(const LogLimiter::Summary& summary);

    LogLimiter limiter_;
    std::map<std::string, std::string, std::less<>> summaries_; // kind name -> summary text
};

} // namespace pistream
