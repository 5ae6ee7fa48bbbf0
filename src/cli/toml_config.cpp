#include "cli/toml_config.h"

#include <charconv>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <toml++/toml.h>

namespace pistream {

std::string TomlConfig::to_config(const CLI::App* app, bool defaultAlso, bool, std::string) const
{
    std::ostringstream out;
    for (const CLI::Option* option : app->get_options()) {
        const std::string name = option->get_lnames().empty() ? "" : option->get_lnames().front();
        if (name.empty() || name == "help" || name == "version" || !option->get_configurable())
            continue;
        std::string value = option->count() > 0 ? option->as<std::string>()
                                                : (defaultAlso ? option->get_default_str() : "");
        if (value.empty())
            continue;
        out << name << " = " << toml::value<std::string>(value) << "\n";
    }
    return out.str();
}

std::vector<CLI::ConfigItem> TomlConfig::from_config(std::istream& input) const
{
    toml::table table;
    try {
        table = toml::parse(input);
    } catch (const toml::parse_error& error) {
        std::ostringstream why;
        why << error.description() << " (line " << error.source().begin.line << ", column "
            << error.source().begin.column << ")";
        throw CLI::ConfigError(why.str());
    }
    std::vector<CLI::ConfigItem> result;
    for (const auto& [key, node] : table) {
        CLI::ConfigItem item;
        item.name = std::string(key.str());
        if (const auto* text = node.as_string())
            item.inputs = {text->get()};
        else if (const auto* integer = node.as_integer())
            item.inputs = {std::to_string(integer->get())};
        else if (const auto* number = node.as_floating_point())
            item.inputs = {std::to_string(number->get())};
        else if (const auto* flag = node.as_boolean())
            item.inputs = {flag->get() ? "true" : "false"};
        else if (const auto* list = node.as_array()) // a repeatable flag: publish = ["a", "b"]
            for (const auto& element : *list) {
                if (const auto* entry = element.as_string())
                    item.inputs.push_back(entry->get());
                else
                    throw CLI::ConfigError("config key '" + item.name +
                                           "' is a list: it may hold strings only");
            }
        else
            throw CLI::ConfigError("config key '" + item.name +
                                   "' must be a string, number, boolean or list of strings");
        result.push_back(std::move(item));
    }
    return result;
}

CLI::Option* addTomlConfig(CLI::App& app, const std::string& help)
{
    app.config_formatter(std::make_shared<TomlConfig>());
    app.allow_config_extras(CLI::config_extras_mode::error);
    return app.set_config("--config", "", help)->type_name("FILE");
}

CLI::Option* addLogLevel(CLI::App& app, std::string& level)
{
    return app.add_option("--log-level", level, "trace, debug, info, warn, error or off")
        ->type_name("LEVEL")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}).description(""))
        ->capture_default_str();
}

std::optional<int> parseCommandLine(CLI::App& app, int argc, const char* const* argv,
                                    const std::function<void()>& finish)
{
    const std::string name = app.get_name();
    try {
        app.parse(argc, argv);
        finish();
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << name << ": " << e.what() << "\nRun '" << name << " --help' for usage.\n";
        return 2;
    } catch (const std::invalid_argument& e) {
        std::cerr << name << ": " << e.what() << "\n";
        return 2;
    }
    return std::nullopt;
}

void parseSize(const std::string& text, int& width, int& height)
{
    const auto x = text.find_first_of("xX");
    const auto number = [&](std::size_t from, std::size_t to, int& out) {
        const char* begin = text.data() + from;
        const char* end = text.data() + to;
        const auto [ptr, ec] = std::from_chars(begin, end, out);
        return from < to && ec == std::errc{} && ptr == end && out >= 1 && out <= 65535;
    };
    if (x == std::string::npos || !number(0, x, width) || !number(x + 1, text.size(), height))
        throw std::invalid_argument("size must be WIDTHxHEIGHT, e.g. 1280x720, not '" + text + "'");
}

CLI::Validator sizeValidator()
{
    return CLI::Validator(
        [](std::string& text) -> std::string {
            int width = 0, height = 0;
            try {
                parseSize(text, width, height);
            } catch (const std::invalid_argument& error) {
                return error.what();
            }
            return {};
        },
        "WxH");
}

} // namespace pistream
