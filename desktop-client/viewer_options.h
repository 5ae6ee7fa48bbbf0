#pragma once

#include <optional>
#include <string>

#include "connection/stream_client.h"
#include "sinks/headless_printer.h"
#include "ui/window_config.h"

namespace pistream {

struct ViewerOptions {
    ClientConfig client;
    bool headless = false;
    HeadlessConfig headlessConfig;
    WindowConfig window;
    std::string recordPath;
    std::string logLevel = "info";
    bool rememberKey = false; // the key came from the command line: remember it once it works
};

// Parses the command line and the --config file. On --help, --version or a
// usage error it prints what is due and returns the exit code (0 or 2).
std::optional<int> parseViewerOptions(int argc, const char* const* argv, ViewerOptions& options);

} // namespace pistream
