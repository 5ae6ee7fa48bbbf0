#pragma once

#include <string>

#include <spdlog/spdlog.h>

namespace pistream {

// Logs go to stderr through spdlog: one line per event. Under systemd (when
// JOURNAL_STREAM is set) the timestamp is left to the journal.
// level: trace, debug, info, warn, error, off. Throws std::invalid_argument.
void initLogging(const std::string& level, const std::string& name);

} // namespace pistream
