#include "core/limited_log.h"

#include <spdlog/spdlog.h>

namespace pistream {

namespace {

void replace(std::string& text, std::string_view placeholder, const std::string& value)
{
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size()))
        text.replace(at, placeholder.size(), value);
}

} // namespace

void LimitedLog::warn(const LogKind& kind, std::string_view subject, Clock::time_point now,
                      const std::string& line)
{
    flush(now);
    if (summaries_.find(kind.name) == summaries_.end())
        summaries_.emplace(std::string(kind.name), std::string(kind.summary));
    if (limiter_.note(kind.name, subject, now))
        spdlog::warn("{}", line);
}

void LimitedLog::flush(Clock::time_point now)
{
    for (const auto& summary : limiter_.due(now))
        write(summary);
}

void LimitedLog::flushAll(Clock::time_point now)
{
    for (const auto& summary : limiter_.drain(now))
        write(summary);
}

void LimitedLog::write(const LogLimiter::Summary& summary)
{
    const auto found = summaries_.find(summary.kind);
    std::string text = found != summaries_.end()
                           ? found->second
                           : summary.kind + ": {count} more from {subject} in the last {seconds} s";
    replace(text, "{count}", std::to_string(summary.count));
    replace(text, "{subject}", summary.subject);
    replace(text, "{seconds}", std::to_string((summary.over.count() + 999) / 1000));
    spdlog::warn("{}", text);
}

} // namespace pistream
