#include "ui/picker_window.h"

#include <SDL.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/printable_text.h"
#include "ui/text_overlay.h"

namespace pistream {

namespace {

// The single window's size: a list needs no more, and what is picked goes
// on in this window (a camera's follows the stream's size).
constexpr int kPickerWidth = 960;
constexpr int kPickerHeight = 540;
constexpr int kPointSize = 18;
constexpr int kRowSpacing = 4; // around each row's text panel
constexpr auto kPickerMessageTime = std::chrono::seconds(6);

} // namespace

PickerWindow::PickerWindow(const WindowConfig& config, PickerKeys keys)
    : window_(std::make_unique<SdlWindow>(config, kPickerWidth, kPickerHeight)),
      keys_(std::move(keys))
{
    camerasEvent_ = SDL_RegisterEvents(1);
    font_ = findFont(config.font);
    if (font_.empty()) {
        spdlog::warn("no font found (install fonts-dejavu-core or use --font): no picker");
        return;
    }
    try {
        header_ = std::make_unique<TextOverlay>(window_->renderer(), font_, kPointSize);
        message_ = std::make_unique<TextOverlay>(window_->renderer(), font_, kPointSize);
    } catch (const std::exception& error) {
        spdlog::warn("{}: no picker", error.what());
        header_.reset();
        font_.clear();
    }
}

PickerWindow::~PickerWindow()
{
    running_ = false;
}

void PickerWindow::wake()
{
    if (!running_)
        return;
    SDL_Event event{};
    event.type = camerasEvent_;
    SDL_PushEvent(&event);
}

PickerWindow::Picked PickerWindow::run(std::vector<DiscoveredCamera> cameras,
                                       const CameraFeed& feed)
{
    cameras_ = std::move(cameras);
    if (!header_) {
        spdlog::info("{} cameras found: showing them all", cameras_.size());
        return {{PickerChoice::Kind::All, 0}, cameras_};
    }
    running_ = true;
    struct Stop {
        std::atomic<bool>& running;
        ~Stop() { running = false; }
    } stop{running_};

    bool dirty = true;
    for (;;) {
        SDL_Event event;
        bool have = SDL_WaitEventTimeout(&event, 250) != 0;
        PickerChoice choice;
        while (have) {
            if (event.type == SDL_QUIT) {
                spdlog::info("picker closed: no camera opened");
                return {};
            }
            if (event.type == SDL_KEYDOWN) {
                const SDL_Keycode key = event.key.keysym.sym;
                if (key == SDLK_ESCAPE || key == SDLK_q) {
                    spdlog::info("picker quit ({}): no camera opened", SDL_GetKeyName(key));
                    return {};
                }
                if (key == SDLK_f)
                    window_->toggleFullscreen();
                else if (key >= SDLK_KP_1 && key <= SDLK_KP_9)
                    choice = pickerKey(layout_, '1' + (key - SDLK_KP_1));
                else
                    choice = pickerKey(layout_, key);
            }
            if (event.type == SDL_MOUSEBUTTONDOWN && event.button.button == SDL_BUTTON_LEFT) {
                int x = event.button.x, y = event.button.y;
                window_->toOutput(x, y);
                choice = pickerClick(layout_, x, y);
            }
            if (event.type == camerasEvent_ && feed)
                if (auto latest = feed())
                    cameras_ = std::move(*latest);
            dirty = true;
            if (choice.kind != PickerChoice::Kind::None)
                break;
            have = SDL_PollEvent(&event) != 0;
        }
        if (choice.kind == PickerChoice::Kind::All)
            return {choice, cameras_};
        // A number or a click means a row as it was drawn, even when the
        // list changed since: the camera the user saw there.
        if (choice.kind == PickerChoice::Kind::Camera && choice.camera < shown_.size()) {
            const DiscoveredCamera& camera = shown_[choice.camera];
            if (!keyMissing(camera, keys_))
                return {choice, shown_};
            // Say how to give the key rather than open a connection bound to be refused.
            const std::string why =
                fmt::format("{} needs a pairing key (pistream-server --show-key on the camera): "
                            "pistream-viewer --key-file FILE {}",
                            escapeText(camera.service, 32), escapeText(camera.hostEndpoint(), 80));
            spdlog::warn("{}", why); // in the terminal too, to copy
            flash(why);
        }
        if (!flash_.empty() && std::chrono::steady_clock::now() >= flashUntil_) {
            flash_.clear();
            dirty = true;
        }
        if (dirty) {
            render();
            dirty = false;
        }
    }
}

void PickerWindow::render()
{
    SDL_Renderer* renderer = window_->renderer();
    int width = 0, height = 0;
    window_->outputSize(width, height);
    const int rowHeight = header_->panelHeight() + 2 * kRowSpacing;
    shown_ = cameras_;
    layout_ = pickerLayout(shown_, keys_, width, height, rowHeight);

    SDL_SetRenderDrawColor(renderer, 24, 24, 24, 255);
    SDL_RenderClear(renderer);
    // Each row a button: a filled box; the All row in blue, cameras we cannot
    // open (no key) darker.
    for (const PickerRow& row : layout_.rows) {
        if (row.camera < 0)
            SDL_SetRenderDrawColor(renderer, 30, 70, 130, 255);
        else if (row.keyMissing)
            SDL_SetRenderDrawColor(renderer, 40, 40, 40, 255);
        else
            SDL_SetRenderDrawColor(renderer, 60, 60, 60, 255);
        const SDL_Rect box{row.area.x, row.area.y, row.area.w, row.area.h};
        SDL_RenderFillRect(renderer, &box);
    }
    rows_.resize(layout_.rows.size());
    for (std::size_t index = 0; index < layout_.rows.size(); ++index) {
        const PickerRow& row = layout_.rows[index];
        if (!rows_[index])
            rows_[index] = std::make_unique<TextOverlay>(renderer, font_, kPointSize);
        rows_[index]->draw({row.text}, TextOverlay::Anchor::TopLeft, row.area.w, row.area.h,
                           kRowSpacing, row.area.x, row.area.y);
    }
    header_->draw({layout_.title}, TextOverlay::Anchor::TopLeft, layout_.header.w, layout_.header.h,
                  kRowSpacing, layout_.header.x, layout_.header.y);
    if (!flash_.empty())
        message_->draw({flash_}, TextOverlay::Anchor::BottomLeft, width, height);
    SDL_RenderPresent(renderer);
    window_->setTitle(fmt::format("pistream: pick a camera ({} found)", cameras_.size()));
}

void PickerWindow::flash(const std::string& message)
{
    flash_ = message;
    flashUntil_ = std::chrono::steady_clock::now() + kPickerMessageTime;
}

} // namespace pistream
