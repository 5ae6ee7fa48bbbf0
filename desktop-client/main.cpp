// pistream-viewer: one window updated in place with the live stream, or a
// headless view that prints statistics (--headless, or when there is no
// display). Either way one ViewerPipeline receives and decodes, and the
// window or the headless printer, and the recorder, are its sinks.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include <spdlog/spdlog.h>

#include "connection/key_store.h"
#include "core/log.h"
#include "core/printable_text.h"
#include "discovery/camera_watcher.h"
#include "discovery/service_browser.h"
#include "sinks/headless_printer.h"
#include "sinks/recorder_sink.h"
#include "stream/viewer_pipeline.h"
#include "ui/picker_window.h"
#include "ui/viewer_window.h"
#include "ui/wall_window.h"
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

// Whether a key is remembered for a discovered camera, under its mDNS host
// name or its address.
bool hasStoredKey(const KeyStore& store, const DiscoveredCamera& camera)
{
    try {
        return store.find(camera.hostEndpoint()) || store.find(camera.endpoint());
    } catch (const std::exception&) {
        return false; // an unreadable key file is reported when connecting
    }
}

BrowseResult browse(const DiscoveryConfig& config)
{
    return browseCameras(std::chrono::milliseconds(std::lround(config.seconds * 1000)));
}

// --list: exit 0 when a camera was found, 1 when none (or no avahi-daemon).
int listCameras(const DiscoveryConfig& config)
{
    const BrowseResult result = browse(config);
    if (!result.error.empty()) {
        std::fprintf(stderr, "pistream-viewer: cannot look for cameras: %s\n",
                     result.error.c_str());
        return 1;
    }
    const KeyStore store;
    const KeyLookup hasKey = [&store](const DiscoveredCamera& camera) {
        return hasStoredKey(store, camera);
    };
    if (config.json)
        std::printf("%s\n", camerasJson(result.cameras, hasKey).dump(2).c_str());
    else if (!result.cameras.empty())
        std::fputs(formatCameraTable(result.cameras, hasKey).c_str(), stdout);
    if (result.cameras.empty())
        std::fprintf(stderr, "pistream-viewer: no camera found on the LAN in %g s\n",
                     config.seconds);
    return result.cameras.empty() ? 1 : 0;
}

// Headless, several cameras: the table, and which one to give (exit 2).
int askForOne(const std::vector<DiscoveredCamera>& cameras)
{
    const KeyStore store;
    std::fputs(formatCameraTable(
                   cameras,
                   [&store](const DiscoveredCamera& camera) { return hasStoredKey(store, camera); })
                   .c_str(),
               stdout);
    std::fprintf(stderr,
                 "pistream-viewer: %zu cameras found; choose one and give its address, "
                 "e.g. pistream-viewer %s\n",
                 cameras.size(), escapeText(cameras.front().endpoint(), 80).c_str());
    return 2;
}

// A discovered camera becomes the server: at its address, plain TCP when it
// says it needs no key, else with the key given or stored (remembered under
// its mDNS host name). Returns the exit code when there is no key for it.
std::optional<int> useCamera(ViewerOptions& options, const DiscoveredCamera& camera)
{
    options.client.server = parseEndpoint(camera.endpoint(), kDefaultPort);
    options.keyName = camera.hostEndpoint();
    const KeyFlags& flags = options.keyFlags;
    if (camera.txt.keyNeeded == false && flags.key.empty() && flags.keyFile.empty())
        options.keyFlags.insecure = true; // the server asks for no key: plain TCP
    const std::string name = escapeText(camera.service, 64);
    options.window.title = options.client.server.toString(); // the name comes in its hello
    spdlog::info("found {} at {} ({})", name, options.client.server.toString(),
                 escapeText(camera.host, 64));
    try {
        chooseServerKey(options);
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "pistream-viewer: %s\n", error.what());
        return 2;
    }
    return std::nullopt;
}

std::string noDisplay();

// No HOST: the only camera on the LAN becomes the server. With several and a
// display, `several` has them for the picker; headless, they are listed and
// the user is asked for one. Otherwise says why not and returns the exit code.
std::optional<int> discoverServer(ViewerOptions& options, std::vector<DiscoveredCamera>& several)
{
    const BrowseResult result = browse(options.discovery);
    if (!result.error.empty()) {
        std::fprintf(stderr,
                     "pistream-viewer: no HOST given, and cannot look for cameras on the LAN: "
                     "%s\n  give the camera's address: pistream-viewer HOST[:PORT]\n",
                     result.error.c_str());
        return 1;
    }
    if (result.cameras.empty()) {
        std::fprintf(stderr,
                     "pistream-viewer: no HOST given, and no camera found on the LAN in %g s\n"
                     "  give the camera's address: pistream-viewer HOST[:PORT], or look longer: "
                     "pistream-viewer --browse-time 10\n  (is pistream-server running and "
                     "announcing, and mDNS, 5353/udp, allowed through the firewall?)\n",
                     options.discovery.seconds);
        return 1;
    }
    if (result.cameras.size() > 1 && !options.headless && noDisplay().empty()) {
        spdlog::info("{} cameras found: pick one in the window", result.cameras.size());
        several = result.cameras;
        return std::nullopt;
    }
    if (result.cameras.size() > 1)
        return askForOne(result.cameras);
    return useCamera(options, result.cameras.front());
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
// In `sdl`, the picker's window, else in a new one.
int runWindow(const ViewerOptions& options, std::unique_ptr<SdlWindow> sdl = nullptr)
{
    ViewerPipeline pipeline(PipelineConfig{options.client, true, true});
    ViewerWindow window(options.window, pipeline.slot(), std::move(sdl)); // throws NoDisplay
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

// A wall camera's key, once accepted, is remembered as a single camera's is.
ClientConfig withKeyMemory(ClientConfig client, const std::string& keyName, bool remember)
{
    if (remember)
        client.onKeyAccepted = [server = keyName, key = client.pairingKey] {
            rememberKey(server, key);
        };
    return client;
}

// A discovered camera as a wall tile: plain TCP if it asks for no key, else
// --key/--key-file or the key remembered for it; with none, a tile that
// says so instead of a connection.
WallCamera wallCamera(const ViewerOptions& options, const DiscoveredCamera& camera)
{
    ViewerOptions one = options;
    one.client.server = parseEndpoint(camera.endpoint(), kDefaultPort);
    one.keyName = camera.hostEndpoint();
    const KeyFlags& flags = options.keyFlags;
    if (camera.txt.keyNeeded == false && flags.key.empty() && flags.keyFile.empty())
        one.keyFlags.insecure = true;
    WallCamera tile{camera.endpoint(), escapeText(camera.service, 64), {}, false};
    try {
        chooseServerKey(one);
    } catch (const std::invalid_argument&) {
        tile.keyMissing = true;
        tile.address = camera.hostEndpoint();
    }
    tile.client = withKeyMemory(one.client, one.keyName, one.rememberKey);
    return tile;
}

// Several HOSTs or --all: one window, a tile (and a pipeline) per camera;
// `found`: the cameras a first browse found, shown at once; `sdl`: the
// picker's window, else a new one.
int runWall(const ViewerOptions& options, const std::vector<DiscoveredCamera>& found = {},
            std::unique_ptr<SdlWindow> sdl = nullptr)
{
    WindowConfig config = options.window;
    config.title = options.wall.all ? "every camera on the LAN" : "wall";
    WallWindow window(config, std::move(sdl)); // throws NoDisplay
    if (!options.wall.all) {
        std::vector<WallCamera> cameras;
        for (const WallTarget& target : options.wall.targets)
            cameras.push_back({target.client.server.toString(), "",
                               withKeyMemory(target.client, target.keyName, target.rememberKey),
                               false});
        window.setCameras(cameras);
        return window.run();
    }
    std::vector<WallCamera> cameras;
    for (const DiscoveredCamera& camera : found)
        cameras.push_back(wallCamera(options, camera));
    window.setCameras(cameras);
    CameraWatcher watcher(std::chrono::milliseconds(std::lround(options.discovery.seconds * 1000)),
                          [&window] { window.wake(); });
    return window.run([&]() -> std::optional<std::vector<WallCamera>> {
        const auto latest = watcher.take();
        if (!latest)
            return std::nullopt;
        std::vector<WallCamera> tiles;
        for (const DiscoveredCamera& camera : *latest)
            tiles.push_back(wallCamera(options, camera));
        return tiles;
    });
}

// Once a server has accepted a key given on the command line, later
// connections to it need none.
void rememberAcceptedKey(ViewerOptions& options)
{
    if (options.rememberKey)
        options.client.onKeyAccepted = [server = options.keyName, key = options.client.pairingKey] {
            rememberKey(server, key);
        };
}

// No HOST and several cameras, in a window: the picker, then the camera or
// the wall picked, in the same window.
int runPicker(ViewerOptions& options, std::vector<DiscoveredCamera> found)
{
    const KeyStore store;
    const KeyFlags& flags = options.keyFlags;
    const PickerKeys keys{
        [&store](const DiscoveredCamera& camera) { return hasStoredKey(store, camera); },
        !flags.key.empty() || !flags.keyFile.empty()};
    WindowConfig config = options.window;
    config.title = "pick a camera";
    std::unique_ptr<PickerWindow> picker;
    try {
        picker = std::make_unique<PickerWindow>(config, keys);
    } catch (const NoDisplay& error) {
        spdlog::warn("{}: no picker", error.what());
        return askForOne(found); // as headless
    }
    auto watcher = std::make_unique<CameraWatcher>(
        std::chrono::milliseconds(std::lround(options.discovery.seconds * 1000)),
        [&picker] { picker->wake(); }); // does nothing once the picker is done
    const PickerWindow::Picked picked =
        picker->run(std::move(found), [&watcher] { return watcher->take(); });
    // The watcher ends within one browse (--browse-time): beside what opens
    // next rather than before it.
    const std::jthread retire([old = std::move(watcher)]() mutable { old.reset(); });
    switch (picked.choice.kind) {
    case PickerChoice::Kind::None:
        picker->release().reset(); // the window closes at once
        return 0;
    case PickerChoice::Kind::All:
        spdlog::info("showing all {} cameras", picked.cameras.size());
        options.wall.all = true;
        return runWall(options, picked.cameras, picker->release());
    case PickerChoice::Kind::Camera:
        break;
    }
    if (const auto code = useCamera(options, picked.cameras.at(picked.choice.camera)))
        return *code;
    rememberAcceptedKey(options);
    return runWindow(options, picker->release());
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
        if (options.discovery.list)
            return listCameras(options.discovery);
        if (options.wall.active()) {
            const std::string why = noDisplay();
            if (!why.empty()) {
                std::fprintf(stderr, "pistream-viewer: a wall needs a window: %s\n", why.c_str());
                return 1;
            }
            return runWall(options);
        }
        if (options.discovery.browse) {
            std::vector<DiscoveredCamera> several;
            if (const auto exitCode = discoverServer(options, several))
                return *exitCode;
            if (!several.empty())
                return runPicker(options, std::move(several));
        }
        rememberAcceptedKey(options);
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
