#include "core/log.h"

#include <cstdlib>
#include <stdexcept>

#include <spdlog/sinks/stdout_sinks.h>

namespace pistream {

void initLogging(const std::string& level, const std::string& name)
{
    const auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off")
        throw std::invalid_argument("log level must be trace, debug, info, warn, error or off, "
                                    "not '" +
                                    level + "'");
    auto logger = spdlog::stderr_logger_mt(name);
    spdlog::set_default_logger(logger);
    spdlog::set_level(parsed);
    spdlog::set_pattern(std::getenv("JOURNAL_STREAM") ? "%^%l%$: %v" : "%H:%M:%S.%e %n %^%l%$: %v");
}

} // namespace pistream
