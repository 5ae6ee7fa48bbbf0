#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "frame_slot.h"
#include "live_connection.h"
#include "stats/latency_window.h"
#include "text_overlay.h"

struct SDL_Window;
struct SDL_Renderer;
struct SDL_Texture;

namespace pistream {

struct WindowConfig {
    std::string title; // shown in the title bar, e.g. "raspberrypi.local:8485"
    int width = 0;     // 0: follow the stream's size (at most 1280x720)
    int height = 0;
    bool fullscreen = false;
    bool overlay = true;
    std::string font; // TTF file; empty: DejaVu from fonts-dejavu-core
    std::filesystem::path snapshotDir = ".";
};

// SDL could not open a window (no display, no video driver).
class NoDisplay : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The viewer's one window, owned by the main thread: shows the newest decoded
// frame from the slot in an IYUV texture (colour conversion on the GPU),
// letterboxed, with a stats overlay, and the connection's state over the last
// picture when it is not live. Keys: f fullscreen, q/Esc quit, s snapshot,
// r record, o overlay, h/? help.
class ViewerWindow {
public:
    // Throws NoDisplay when there is no display to open a window on.
    ViewerWindow(const WindowConfig& config, FrameSlot& slot);
    ~ViewerWindow();
    ViewerWindow(const ViewerWindow&) = delete;
    ViewerWindow& operator=(const ViewerWindow&) = delete;

    // Thread-safe: wakes the window when the slot has a new frame.
    void notifyFrame();

    // Runs until the user quits; returns the exit code.
    int run(LiveConnection& connection);

private:
    bool handleKey(int key, int modifiers, LiveConnection& connection);
    void uploadFrame();
    void render(const LinkStatus& status);
    std::vector<std::string> statsLines(const LinkStatus& status) const;
    void snapshot();
    void flash(const std::string& message);

    WindowConfig config_;
    FrameSlot& slot_;
    SDL_Window* window_ = nullptr;
    SDL_Renderer* renderer_ = nullptr;
    SDL_Texture* texture_ = nullptr;
    int textureWidth_ = 0;
    int textureHeight_ = 0;
    std::unique_ptr<TextOverlay> text_; // stats
    std::unique_ptr<TextOverlay> help_;
    std::unique_ptr<TextOverlay> banner_;
    std::uint32_t frameEvent_ = 0;

    std::unique_ptr<DecodedFrame> front_;
    bool sized_ = false;
    bool showOverlay_ = true;
    bool showHelp_ = false;
    LatencyWindow latencies_{60}; // ms, at the moment each of the last frames was shown
    std::string message_;
    std::chrono::steady_clock::time_point messageUntil_;
    std::string shownTitle_;
};

} // namespace pistream
