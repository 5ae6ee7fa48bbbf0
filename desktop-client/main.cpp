// pistream-viewer: parses options and runs the headless view (the SDL window is
// built in its own issue and will take over when a display is present).

#include <cstdio>

#include <spdlog/spdlog.h>

#include "core/log.h"
#include "headless_view.h"
#include "viewer_options.h"

using namespace pistream;

int main(int argc, char** argv)
{
    ViewerOptions options;
    if (const auto exitCode = parseViewerOptions(argc, argv, options))
        return *exitCode;
    try {
        initLogging(options.logLevel, "viewer");
        if (!options.headless)
            spdlog::warn("this build has no window yet: running headless");
        HeadlessView view(options.client, options.headlessConfig);
        return view.run();
    } catch (const std::exception& error) {
        std::fprintf(stderr, "pistream-viewer: %s\n", error.what());
        return 1;
    }
}
