#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

namespace pistream::test {

// While it lives, spdlog's default logger writes into memory (any thread), so
// a test can count the lines a flood of events makes; the previous logger is
// put back after.
class LogCapture {
public:
    LogCapture()
        : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(kCapacity)),
          previous_(spdlog::default_logger()), previousLevel_(spdlog::get_level())
    {
        auto logger = std::make_shared<spdlog::logger>("capture", sink_);
        logger->set_pattern("%v");
        spdlog::set_default_logger(logger);
        spdlog::set_level(spdlog::level::info);
    }
    ~LogCapture()
    {
        spdlog::set_default_logger(previous_);
        spdlog::set_level(previousLevel_);
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    std::vector<std::string> lines() const { return sink_->last_formatted(); }
    // How many lines contain `text`.
    std::size_t count(std::string_view text) const
    {
        const auto all = lines();
        return static_cast<std::size_t>(
            std::count_if(all.begin(), all.end(),
                          [&](const auto& line) { return line.find(text) != std::string::npos; }));
    }

private:
    static constexpr std::size_t kCapacity = 100000; // more than any test writes
    std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
    std::shared_ptr<spdlog::logger> previous_;
    spdlog::level::level_enum previousLevel_;
};

} // namespace pistream::test
