#pragma once

#include <stdexcept>
#include <string>

#include "ui/window_config.h"

struct SDL_Window;
struct SDL_Renderer;

namespace pistream {

// SDL could not open a window (no display, no video driver).
class NoDisplay : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What every window of the viewer (one camera, the wall, the picker) sets
// up the same way: SDL's video, one resizable window and its renderer
// (accelerated with vsync, else software), torn down in reverse. Owned by the
// main thread; handed from the picker to the window it opens, so the user
// sees one window throughout.
class SdlWindow {
public:
    // Opens a window of config's size, else defaultWidth x defaultHeight.
    // Throws NoDisplay when there is no display to open it on, or only an
    // invisible one (SDL's offscreen or dummy driver, not asked for).
    SdlWindow(const WindowConfig& config, int defaultWidth, int defaultHeight);
    ~SdlWindow();
    SdlWindow(const SdlWindow&) = delete;
    SdlWindow& operator=(const SdlWindow&) = delete;

    SDL_Window* window() const { return window_; }
    SDL_Renderer* renderer() const { return renderer_; }

    void toggleFullscreen();
    // The renderer's size in pixels (larger than the window's on HiDPI).
    void outputSize(int& width, int& height) const;
    // A mouse position, in window coordinates, in the renderer's pixels.
    void toOutput(int& x, int& y) const;
    // Sets the title bar's text when it differs from what it shows.
    void setTitle(const std::string& title);

private:
    SDL_Window* window_ = nullptr;
    SDL_Renderer* renderer_ = nullptr;
    std::string title_;
};

// h or ? (on any layout: SDL names '?' itself, or shift and '/'): every
// window's help key.
bool isHelpKey(int key, int modifiers);

} // namespace pistream
