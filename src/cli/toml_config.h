#pragma once

#include <istream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pistream {

// Lets CLI11 read its config file as TOML through toml++: every top-level key
// is the long name of a flag (`listen = "0.0.0.0:8485"`, `max-viewers = 8`).
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

// "WxH" with both in 1..65535, e.g. "1280x720". Throws std::invalid_argument.
void parseSize(const std::string& text, int& width, int& height);

// CLI11 validator for parseSize.
CLI::Validator sizeValidator();

} // namespace pistream
