#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "discovery/camera_list.h"
#include "ui/picker_layout.h"
#include "ui/sdl_window.h"
#include "ui/window_config.h"

namespace pistream {

class TextOverlay;

// The camera picker: with no HOST and several cameras on the LAN, a window
// that lists them (pickerLayout: name, address, size, fps, key) and lets the
// user open one (1-9 or a click), all of them as a wall (a, or the "All
// cameras" row) or quit (Esc, q). Owned by the main thread; the window it
// opened goes on to show what was picked (release()).
class PickerWindow {
public:
    // Throws NoDisplay when there is no display to open a window on.
    PickerWindow(const WindowConfig& config, PickerKeys keys);
    ~PickerWindow();
    PickerWindow(const PickerWindow&) = delete;
    PickerWindow& operator=(const PickerWindow&) = delete;

    // The cameras found since the last call, if they changed (CameraWatcher::take).
    using CameraFeed = std::function<std::optional<std::vector<DiscoveredCamera>>()>;

    // Any thread: makes run() ask the feed. Does nothing once run() has returned.
    void wake();

    struct Picked {
        PickerChoice choice;                   // Kind::None: the user quit
        std::vector<DiscoveredCamera> cameras; // as listed when picked
    };

    // Shows `cameras`, updated from `feed`, until the user picks or quits.
    // Without a font there is nothing to read: it picks them all (the wall).
    Picked run(std::vector<DiscoveredCamera> cameras, const CameraFeed& feed = {});

    // The window, for the camera's window or the wall.
    std::unique_ptr<SdlWindow> release() { return std::move(window_); }

private:
    void render();
    void flash(const std::string& message);

    std::unique_ptr<SdlWindow> window_;
    PickerKeys keys_;
    std::unique_ptr<TextOverlay> header_;
    std::unique_ptr<TextOverlay> message_;
    std::vector<std::unique_ptr<TextOverlay>> rows_;
    std::string font_;
    std::uint32_t camerasEvent_ = 0;
    std::atomic<bool> running_{false};
    std::vector<DiscoveredCamera> cameras_; // the newest list
    std::vector<DiscoveredCamera> shown_;   // as last drawn, with layout_:
    PickerLayout layout_;                   // what a click or a key refers to
    std::string flash_;
    std::chrono::steady_clock::time_point flashUntil_;
};

} // namespace pistream
