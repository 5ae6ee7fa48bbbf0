#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ui/sdl_window.h"
#include "ui/wall_layout.h"
#include "ui/wall_tile.h"
#include "ui/window_config.h"

struct SDL_Renderer;

namespace pistream {

// The multi-camera wall: one window, owned by the main thread, with a tile
// per camera in a grid that fits it (wallLayout). Each tile decodes at the
// size it is shown. Keys: 1-9 or a click focus one camera full window, Esc
// goes back to the wall (and quits from it), s snapshot and r record act on
// the focused camera or on every tile, f fullscreen, o stats, h/? help, q quit.
class WallWindow {
public:
    // Tiles at most: each is a connection and a thread, and a LAN (a hostile
    // one) may announce hundreds of cameras. The first ones by name are shown.
    static constexpr std::size_t kMaxTiles = 16;

    // In `window` (the picker's), else in a window of its own; throws
    // NoDisplay when there is no display to open one on.
    explicit WallWindow(const WindowConfig& config, std::unique_ptr<SdlWindow> window = nullptr);
    ~WallWindow();
    WallWindow(const WallWindow&) = delete;
    WallWindow& operator=(const WallWindow&) = delete;

    // The cameras to show (the first kMaxTiles): tiles for new addresses are
    // started, tiles whose address is gone are stopped; the others carry on
    // untouched.
    void setCameras(const std::vector<WallCamera>& cameras);

    // The cameras found on the LAN since the last call, if they changed; called
    // by run() when woken by wake() (--all).
    using CameraFeed = std::function<std::optional<std::vector<WallCamera>>()>;

    // Any thread: makes run() ask the feed.
    void wake();

    // Runs until the user quits; returns the exit code.
    int run(const CameraFeed& feed = {});

private:
    bool handleKey(int key, int modifiers);
    void logSummary() const;
    void focus(int index);
    void render();
    void drawPicture(WallTile& tile, const Rect& area);
    void drawText(WallTile& tile, std::size_t index, const Rect& area);
    void snapshot();
    void toggleRecording();
    void flash(const std::string& message);

    std::unique_ptr<SdlWindow> window_; // first: the renderer outlives every texture
    SDL_Renderer* renderer_ = nullptr;
    WindowConfig config_;
    std::string font_;
    std::unique_ptr<TextOverlay> help_;
    std::unique_ptr<TextOverlay> message_;
    std::uint32_t frameEvent_ = 0;
    std::uint32_t camerasEvent_ = 0;
    std::vector<std::unique_ptr<WallTile>> tiles_;
    WallGrid grid_;
    int focused_ = -1;     // a tile shown full window, or -1: the wall
    bool overCap_ = false; // more than kMaxTiles cameras were offered (logged once)
    bool showStats_ = true;
    bool showHelp_ = false;
    std::string flash_;
    std::chrono::steady_clock::time_point flashUntil_;
};

} // namespace pistream
