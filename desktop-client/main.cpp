// pistream-viewer: one window updated in place with the live stream, or a
// headless view that prints statistics (--headless, or when there is no
// display). Either way one ViewerPipeline receives and decodes, and the
// window or the headless printer, and the recorder, are its sinks.

#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "connection/key_store.h"
#include "core/log.h"
#include "sinks/headless_printer.h"
#include "sinks/recorder_sink.h"
#include "stream/viewer_pipeline.h"
#include "ui/viewer_window.h"
#include "viewer_options.h"

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

// Why there can be no window, or nothing. On Linux a window needs an X11 or
// Wayland display, unless SDL_VIDEODRIVER names a driver (kmsdrm on a console).
std::string noDisplay()
{
#ifdef __linux__
    const auto set = [](const char* name) {
        const char* value = std::getenv(name);
        return value && *value;
    };
    if (!set("DISPLAY") && !set("WAYLAND_DISPLAY") && !set("SDL_VIDEODRIVER"))
        return "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)";
#endif
    return {};
}

// The pipeline on its own thread, reconnecting; SDL owns the main thread.
int runWindow(const ViewerOptions& options)
{
    ViewerPipeline pipeline(PipelineConfig{options.client, true, true});
    ViewerWindow window(options.window, pipeline.slot()); // throws NoDisplay
    RecorderSink recorder(pipeline.io(), options.recordPath);
    pipeline.addSink(&recorder);
    pipeline.addSink(&window);
    pipeline.start();
    int code = 1;
    try {
        code = window.run(pipeline, recorder);
    } catch (...) {
        pipeline.stop(); // its thread must not outlive the sinks
        throw;
    }
    pipeline.stop();
    return code;
}

// The pipeline on this thread, until the printer has what it asked for or
// the connection ends.
int runHeadless(const ViewerOptions& options)
{
    ViewerPipeline pipeline(PipelineConfig{options.client, false, options.headlessConfig.decode});
    HeadlessPrinter printer(pipeline, options.headlessConfig);
    RecorderSink recorder(pipeline.io(), options.recordPath);
    pipeline.addSink(&recorder);
    pipeline.addSink(&printer);
    printer.start();
    pipeline.run();
    return printer.summarize();
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
            const std::string why = noDisplay();
            if (why.empty()) {
                try {
                    return runWindow(options);
                } catch (const NoDisplay& error) {
                    spdlog::warn("{}: running headless", error.what());
                }
            } else {
                spdlog::warn("{}: running headless", why);
            }
        }
        return runHeadless(options);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "pistream-viewer: %s\n", error.what());
        return 1;
    }
}
