#pragma once

#include <optional>
#include <string>
#include <vector>

#include "connection/stream_client.h"
#include "sinks/headless_printer.h"
#include "ui/window_config.h"

namespace pistream {

// --key, --key-file and --insecure as given: applied once the server is
// known (on the command line, or found on the LAN).
struct KeyFlags {
    std::string key;
    std::string keyFile;
    bool insecure = false;
};

// Finding cameras on the LAN (mDNS): --list, or no HOST.
struct DiscoveryConfig {
    bool list = false;   // --list: print what is found and exit
    bool json = false;   // --json: as a JSON array
    double seconds = 2;  // --browse-time
    bool browse = false; // no HOST given: browse, then open the only camera
};

// One camera of a wall given on the command line, its key chosen as for a
// single one (chooseServerKey).
struct WallTarget {
    ClientConfig client;
    std::string keyName;
    bool rememberKey = false;
};

// Several HOSTs, or --all: one window with a tile per camera.
struct WallConfig {
    bool all = false;                // --all: every camera found on the LAN, as they come and go
    std::vector<WallTarget> targets; // the HOSTs given
    bool active() const { return all || targets.size() > 1; }
};

struct ViewerOptions {
    ClientConfig client;
    KeyFlags keyFlags;
    DiscoveryConfig discovery;
    WallConfig wall;
    // "HOST:PORT" the key is looked up and remembered under: the server as
    // given, or a discovered camera's mDNS host name (its address may change).
    std::string keyName;
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

// Sets the key to connect to options.client.server with, from keyFlags or
// the key store (under keyName, else the server); insecure with --insecure.
// Throws std::invalid_argument (a usage error: exit 2) when there is none.
void chooseServerKey(ViewerOptions& options);

} // namespace pistream
