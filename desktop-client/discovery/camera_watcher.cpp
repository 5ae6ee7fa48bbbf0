#include "discovery/camera_watcher.h"

#include <spdlog/spdlog.h>

#include "discovery/service_browser.h"

namespace pistream {

CameraWatcher::CameraWatcher(std::chrono::milliseconds browseTime, std::function<void()> changed)
    : browseTime_(browseTime), changed_(std::move(changed)), thread_([this] { watch(); })
{}

CameraWatcher::~CameraWatcher()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    stopped_.notify_all();
    thread_.join();
}

std::optional<std::vector<DiscoveredCamera>> CameraWatcher::take()
{
    std::lock_guard lock(mutex_);
    return std::exchange(fresh_, std::nullopt);
}

void CameraWatcher::watch()
{
    std::vector<std::string> shown;
    bool warned = false;
    while (!stopping_) {
        BrowseResult result = browseCameras(browseTime_);
        if (!result.error.empty()) {
            if (!warned)
                spdlog::error("cannot look for cameras: {}", result.error);
            warned = true;
            // Without avahi-daemon the browse fails at once: not a busy loop.
            std::unique_lock lock(mutex_);
            stopped_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_.load(); });
            continue;
        }
        std::vector<std::string> endpoints;
        for (const DiscoveredCamera& camera : result.cameras)
            endpoints.push_back(camera.endpoint());
        if (endpoints == shown)
            continue;
        shown = std::move(endpoints);
        {
            std::lock_guard lock(mutex_);
            fresh_ = std::move(result.cameras);
        }
        changed_();
    }
}

} // namespace pistream
