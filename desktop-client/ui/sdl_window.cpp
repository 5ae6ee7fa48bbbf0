#include "ui/sdl_window.h"

#include <SDL.h>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <spdlog/spdlog.h>

namespace pistream {

namespace {

// Whether OpenGL here is Mesa's CPU rasteriser (llvmpipe, softpipe,
// swrast): what a machine without a GPU has (a VM, remote X, Xvfb). Asked of
// a hidden window and context of its own, before the real window exists, so
// that window never has a renderer taken away.
bool softwareGl()
{
    SDL_Window* probe = SDL_CreateWindow("", 0, 0, 1, 1, SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
    if (!probe)
        return false;
    bool software = false;
    if (SDL_GLContext context = SDL_GL_CreateContext(probe)) {
        using GetString = const unsigned char* (*)(unsigned int);
        GetString getString = nullptr;
        if (void* address = SDL_GL_GetProcAddress("glGetString")) {
            std::memcpy(&getString, &address, sizeof getString); // a function pointer from void*
            constexpr unsigned int kGlRenderer = 0x1F01;
            if (const unsigned char* text = getString(kGlRenderer)) {
                const std::string_view name(reinterpret_cast<const char*>(text));
                for (const std::string_view cpu :
                     {"llvmpipe", "softpipe", "swrast", "Software Rasterizer"})
                    software = software || name.find(cpu) != std::string_view::npos;
            }
        }
        SDL_GL_DeleteContext(context);
    }
    SDL_DestroyWindow(probe);
    return software;
}

} // namespace

SdlWindow::SdlWindow(const WindowConfig& config, int defaultWidth, int defaultHeight)
{
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        throw NoDisplay(std::string("cannot open a window: ") + SDL_GetError());
    // With no display SDL may settle for a driver that shows nothing; a
    // window nobody can see is no window (unless SDL_VIDEODRIVER asked for it).
    const std::string driver = SDL_GetCurrentVideoDriver() ? SDL_GetCurrentVideoDriver() : "";
    const char* asked = std::getenv("SDL_VIDEODRIVER");
    if ((driver == "offscreen" || driver == "dummy" || driver == "evdev") &&
        !(asked && driver == asked)) {
        SDL_Quit();
        throw NoDisplay("no display (SDL's video driver is " + driver + ")");
    }
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    // OpenGL without a GPU runs every pixel through llvmpipe's shaders; SDL's
    // own software renderer copies pictures and hands X the window through
    // shared memory instead: one 1280x720 camera at 30 fps costs 18% of a
    // core that way against 98% through llvmpipe (bench/wall.py, Xvfb). On
    // X11 only: there the window has a framebuffer of its own to present
    // through; Wayland's and KMSDRM's do not. SDL_RENDER_DRIVER, when set, is
    // the user's choice and stands.
    const bool software = driver == "x11" && !SDL_GetHint(SDL_HINT_RENDER_DRIVER) && softwareGl();
    if (software)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0"); // not through a GL texture again
    Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
    if (config.fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    title_ = "pistream: " + config.title;
    window_ = SDL_CreateWindow(title_.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                               config.width > 0 ? config.width : defaultWidth,
                               config.height > 0 ? config.height : defaultHeight, flags);
    if (!window_) {
        const std::string error = SDL_GetError();
        SDL_Quit();
        throw NoDisplay("cannot open a window: " + error);
    }
    if (software) {
        renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
        if (renderer_)
            spdlog::info(
                "no GPU (OpenGL is a CPU rasteriser): drawing with SDL's software renderer");
    }
    if (!renderer_)
        renderer_ =
            SDL_CreateRenderer(window_, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
    if (!renderer_)
        renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
    if (!renderer_) {
        const std::string error = SDL_GetError();
        SDL_DestroyWindow(window_);
        SDL_Quit();
        throw NoDisplay("cannot create a renderer: " + error);
    }
}

SdlWindow::~SdlWindow()
{
    SDL_DestroyRenderer(renderer_);
    SDL_DestroyWindow(window_);
    SDL_Quit();
}

void SdlWindow::toggleFullscreen()
{
    const bool full = SDL_GetWindowFlags(window_) & SDL_WINDOW_FULLSCREEN_DESKTOP;
    SDL_SetWindowFullscreen(window_, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
}

void SdlWindow::outputSize(int& width, int& height) const
{
    SDL_GetRendererOutputSize(renderer_, &width, &height);
}

void SdlWindow::toOutput(int& x, int& y) const
{
    // Window coordinates to the renderer's (they differ on HiDPI).
    int windowWidth = 0, windowHeight = 0, outputWidth = 0, outputHeight = 0;
    SDL_GetWindowSize(window_, &windowWidth, &windowHeight);
    outputSize(outputWidth, outputHeight);
    if (windowWidth > 0)
        x = static_cast<int>(static_cast<long long>(x) * outputWidth / windowWidth);
    if (windowHeight > 0)
        y = static_cast<int>(static_cast<long long>(y) * outputHeight / windowHeight);
}

void SdlWindow::setTitle(const std::string& title)
{
    if (title == title_)
        return;
    SDL_SetWindowTitle(window_, title.c_str());
    title_ = title;
}

bool isHelpKey(int key, int modifiers)
{
    return key == SDLK_h || key == SDLK_QUESTION || (key == SDLK_SLASH && (modifiers & KMOD_SHIFT));
}

} // namespace pistream
