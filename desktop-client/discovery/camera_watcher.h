#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "discovery/camera_list.h"

namespace pistream {

// Browses the LAN again and again on a thread of its own (the wall's
// --all), each time for `browseTime`, and keeps the newest list of cameras
// for the UI thread, which `changed` wakes when the cameras found are not
// the ones found before (by endpoint). Without avahi-daemon it logs once and
// tries again every 2 s.
class CameraWatcher {
public:
    // changed: called on the watcher's thread; must not block.
    CameraWatcher(std::chrono::milliseconds browseTime, std::function<void()> changed);
    // Returns within one browse time.
    ~CameraWatcher();
    CameraWatcher(const CameraWatcher&) = delete;
    CameraWatcher& operator=(const CameraWatcher&) = delete;

    // Any thread: the cameras, if they changed since the last call.
    std::optional<std::vector<DiscoveredCamera>> take();

private:
    void watch();

    std::chrono::milliseconds browseTime_;
    std::function<void()> changed_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable stopped_;
    std::optional<std::vector<DiscoveredCamera>> fresh_;
    std::thread thread_; // last: starts once the rest exists
};

} // namespace pistream
