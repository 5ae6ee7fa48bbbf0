// pistream-viewer: one window updated in place with the live stream, or a
// headless view that prints statistics (--headless, or when there is no display).

#include <cstdio>

#include <spdlog/spdlog.h>

#include "core/log.h"
#include "headless_view.h"
#include "key_store.h"
#include "live_connection.h"
#include "viewer_options.h"
#include "viewer_window.h"

using namespace pistream;

namespace {

// Once a server has accepted a key given on the command line, later
// connections to it need none.
void rememberKey(const std::string& server, const std::string& key)
{
    const KeyStore store;
    try {
        if (store.find(server) == key)
            return;
        store.remember(server, key);
        spdlog::info("key for {} remembered in {}", server, store.path().string());
    } catch (const std::exception& error) {
        spdlog::warn("could not remember the key: {}", error.what());
    }
}

int runWindow(const ViewerOptions& options)
{
    FrameSlot slot;
    ViewerWindow window(options.window, slot); // throws NoDisplay
    LiveConfig live{options.client, options.recordPath, std::chrono::milliseconds(2000)};
    LiveConnection connection(live, slot, [&window] { window.notifyFrame(); });
    connection.start();
    const int code = window.run(connection);
    connection.stop();
    return code;
}

} // namespace

int main(int argc, char** argv)
{
    ViewerOptions options;
    if (const auto exitCode = parseViewerOptions(argc, argv, options))
        return *exitCode;
    try {
        initLogging(options.logLevel, "viewer");
        if (options.rememberKey)
            options.client.onKeyAccepted = [server = options.client.server.toString(),
                                            key = options.client.pairingKey] {
                rememberKey(server, key);
            };
        if (!options.headless) {
            try {
                return runWindow(options);
            } catch (const NoDisplay& error) {
                spdlog::warn("{}: running headless", error.what());
            }
        }
        HeadlessView view(options.client, options.headlessConfig);
        return view.run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "pistream-viewer: %s\n", error.what());
        return 1;
    }
}
