#pragma once

#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pistream {

// Lets CLI11 read its config file as TOML through toml++: every top-level key
// is the long name of a flag (`listen = "0.0.0.0:8485"`, `max-viewers = 8`); a
// repeatable flag takes a list of strings (`publish = ["mqtt://a/cam", "redis://b/cam"]`).
// CLI11 then applies the same validators as on the command line, flags on the
// command line win, and an unknown key is an error.
class TomlConfig : public CLI::Config {
public:
    std::string to_config(const CLI::App* app, bool defaultAlso, bool writeDescription,
                          std::string prefix) const override;
    std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;
};

// Installs --config FILE on the app with TOML parsing and unknown keys refused.
CLI::Option* addTomlConfig(CLI::App& app, const std::string& help);

// --log-level LEVEL: trace, debug, info, warn, error or off.
CLI::Option* addLogLevel(CLI::App& app, std::string& level);

// Parses argv with `app`, then runs `finish` (which turns the parsed strings
// into a config and may throw std::invalid_argument). On --help or --version
// prints it and returns 0; on a usage error prints one line naming the
// program and returns 2; otherwise returns nothing.
std::optional<int> parseCommandLine(CLI::App& app, int argc, const char* const* argv,
                                    const std::function<void()>& finish);

// "WxH" with both in 1..65535, e.g. "1280x720". Throws std::invalid_argument.
void parseSize(const std::string& text, int& width, int& height);

// CLI11 validator for parseSize.
CLI::Validator sizeValidator();

} // namespace pistream
