#include "ui/wall_window.h"

#include <SDL.h>
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ui/letterbox.h"
#include "ui/text_overlay.h"

namespace pistream {

namespace {

constexpr int kWallWidth = 1280;
constexpr int kWallHeight = 720;
constexpr auto kWallMessageTime = std::chrono::seconds(4);
constexpr auto kWallStatusRefresh = std::chrono::milliseconds(250);

const std::vector<std::string> kWallHelp = {
    "pistream-viewer wall keys",
    "1-9, click  one camera full window",
    "Esc         back to the wall (quit from the wall)",
    "s           snapshot: the camera shown, or every camera",
    "r           record on/off: likewise (one file per camera)",
    "f           fullscreen on/off",
    "o           stats on the tiles on/off",
    "h, ?        this help",
    "q           quit",
};

} // namespace

WallWindow::WallWindow(const WindowConfig& config, std::unique_ptr<SdlWindow> window)
    : window_(window ? std::move(window)
                     : std::make_unique<SdlWindow>(config, kWallWidth, kWallHeight)),
      renderer_(window_->renderer()), config_(config), showStats_(config.overlay)
{
    // A window handed over by the picker has the picker's size: the wall's
    // own, unless the user chose one (a new window has it already).
    if (config.width <= 0 && !config.fullscreen)
        SDL_SetWindowSize(window_->window(), kWallWidth, kWallHeight);
    frameEvent_ = SDL_RegisterEvents(2);
    camerasEvent_ = frameEvent_ + 1;
    font_ = findFont(config.font);
    if (font_.empty()) {
        spdlog::warn("no font found (install fonts-dejavu-core or use --font): no names on tiles");
    } else {
        try {
            help_ = std::make_unique<TextOverlay>(renderer_, font_, 15);
            message_ = std::make_unique<TextOverlay>(renderer_, font_, 15);
        } catch (const std::exception& error) {
            spdlog::warn("{}: no names on tiles", error.what());
            font_.clear();
        }
    }
}

WallWindow::~WallWindow()
{
    tiles_.clear(); // each stops its pipeline, then frees its texture
    help_.reset();
    message_.reset();
}

void WallWindow::setCameras(const std::vector<WallCamera>& offered)
{
    const bool over = offered.size() > kMaxTiles;
    if (over && !overCap_)
        spdlog::warn("{} cameras: the wall shows the first {}", offered.size(), kMaxTiles);
    overCap_ = over;
    const std::vector<WallCamera> cameras(
        offered.begin(),
        offered.begin() + static_cast<std::ptrdiff_t>(std::min(offered.size(), kMaxTiles)));
    const auto wanted = [&cameras](const std::string& address) {
        return std::any_of(cameras.begin(), cameras.end(),
                           [&address](const WallCamera& c) { return c.address == address; });
    };
    const std::size_t before = tiles_.size();
    std::erase_if(tiles_, [&](const std::unique_ptr<WallTile>& tile) {
        if (wanted(tile->address()))
            return false;
        spdlog::info("{} is gone from the LAN: its tile goes", tile->address());
        return true;
    });
    for (const WallCamera& camera : cameras) {
        const bool shown = std::any_of(tiles_.begin(), tiles_.end(),
                                       [&camera](const std::unique_ptr<WallTile>& tile) {
                                           return tile->address() == camera.address;
                                       });
        if (shown)
            continue;
        auto tile = std::make_unique<WallTile>(camera, frameEvent_);
        if (!font_.empty()) {
            tile->label = std::make_unique<TextOverlay>(renderer_, font_, 15);
            tile->banner = std::make_unique<TextOverlay>(renderer_, font_, 20);
            tile->badge = std::make_unique<TextOverlay>(renderer_, font_, 20);
        }
        tile->start();
        tiles_.push_back(std::move(tile));
    }
    if (tiles_.size() != before || focused_ >= static_cast<int>(tiles_.size()))
        focused_ = -1; // indices moved: back to the wall rather than to another camera
}

void WallWindow::wake()
{
    SDL_Event event{};
    event.type = camerasEvent_;
    SDL_PushEvent(&event);
}

int WallWindow::run(const CameraFeed& feed)
{
    // Four cameras at 30 fps wake the window 120 times a second; it draws at
    // most once per gap (wallRenderGap), taking each tile's newest picture
    // then, so a picture the screen has no time for is dropped before it is
    // uploaded.
    auto renderGap = wallRenderGap(0);
    auto lastStatus = std::chrono::steady_clock::now();
    auto lastRender = lastStatus - renderGap;
    bool dirty = true;
    bool pictures = false; // a tile woke us with a new picture
    for (;;) {
        SDL_Event event;
        int timeout = 100;
        if (dirty || pictures) {
            const auto due = lastRender + renderGap - std::chrono::steady_clock::now();
            timeout = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(
                std::chrono::duration_cast<std::chrono::milliseconds>(due).count(), 0, 100));
        }
        bool have = SDL_WaitEventTimeout(&event, timeout) != 0;
        while (have) {
            if (event.type == SDL_QUIT || (event.type == SDL_KEYDOWN &&
                                           handleKey(event.key.keysym.sym, event.key.keysym.mod))) {
                logSummary();
                return 0;
            }
            if (event.type == SDL_MOUSEBUTTONDOWN && event.button.button == SDL_BUTTON_LEFT) {
                int x = event.button.x, y = event.button.y;
                window_->toOutput(x, y);
                focus(focused_ >= 0 ? -1 : tileAt(grid_, x, y));
            }
            if (event.type == camerasEvent_ && feed)
                if (auto cameras = feed())
                    setCameras(*cameras);
            if (event.type == frameEvent_)
                pictures = true;
            else
                dirty = true;
            have = SDL_PollEvent(&event) != 0;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - lastRender < renderGap)
            continue;
        if (pictures)
            for (const auto& tile : tiles_)
                if (tile->update(renderer_))
                    dirty = true;
        pictures = false;
        if (now - lastStatus >= kWallStatusRefresh) {
            lastStatus = now;
            dirty = true;
            double fastest = 0;
            for (const auto& tile : tiles_)
                fastest = std::max(fastest, tile->link().fps);
            renderGap = wallRenderGap(fastest);
        }
        if (dirty) {
            render();
            lastRender = now;
            dirty = false;
        }
    }
}

bool WallWindow::handleKey(int key, int modifiers)
{
    if (key >= SDLK_1 && key <= SDLK_9) {
        focus(key - SDLK_1);
        return false;
    }
    if (isHelpKey(key, modifiers)) {
        showHelp_ = !showHelp_;
        return false;
    }
    switch (key) {
    case SDLK_q:
        return true;
    case SDLK_ESCAPE:
        if (focused_ < 0)
            return true;
        focus(-1);
        break;
    case SDLK_f:
        window_->toggleFullscreen();
        break;
    case SDLK_s:
        snapshot();
        break;
    case SDLK_r:
        toggleRecording();
        break;
    case SDLK_o:
        showStats_ = !showStats_;
        break;
    default:
        break;
    }
    return false;
}

void WallWindow::logSummary() const
{
    // One line per camera: what each tile got (bench/wall.py reads these).
    for (std::size_t index = 0; index < tiles_.size(); ++index) {
        const WallTile& tile = *tiles_[index];
        const LinkStatus link = tile.link();
        spdlog::info("tile {} {} at {}: {} frames, {} decode errors, {:.2f} fps shown", index + 1,
                     tile.state().title, tile.address(), link.frames, link.decodeErrors,
                     tile.shownRate());
    }
}

void WallWindow::focus(int index)
{
    if (index >= static_cast<int>(tiles_.size()))
        return; // no such camera: stay where we are
    focused_ = index < 0 ? -1 : index;
}

void WallWindow::render()
{
    int width = 0, height = 0;
    window_->outputSize(width, height);
    SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
    SDL_RenderClear(renderer_);
    grid_ = wallLayout(tiles_.size(), width, height);
    // Every picture first, then every text, then the lines between tiles:
    // fewer switches between textures, which a software renderer (Xvfb's)
    // pays for dearly.
    if (focused_ >= 0) {
        const auto index = static_cast<std::size_t>(focused_);
        drawPicture(*tiles_[index], Rect{0, 0, width, height});
        drawText(*tiles_[index], index, Rect{0, 0, width, height});
    } else {
        for (std::size_t index = 0; index < tiles_.size(); ++index)
            drawPicture(*tiles_[index], grid_.tiles[index]);
        for (std::size_t index = 0; index < tiles_.size(); ++index)
            drawText(*tiles_[index], index, grid_.tiles[index]);
        SDL_SetRenderDrawColor(renderer_, 40, 40, 40, 255);
        for (const Rect& cell : grid_.tiles) {
            const SDL_Rect frame{cell.x, cell.y, cell.w, cell.h};
            SDL_RenderDrawRect(renderer_, &frame);
        }
    }
    if (help_ && showHelp_)
        help_->draw(kWallHelp, TextOverlay::Anchor::Centre, width, height);
    if (message_ && !flash_.empty() && std::chrono::steady_clock::now() < flashUntil_)
        message_->draw({flash_}, TextOverlay::Anchor::BottomLeft, width, height);
    if (tiles_.empty() && message_)
        message_->draw({"looking for cameras on the LAN..."}, TextOverlay::Anchor::Centre, width,
                       height);
    SDL_RenderPresent(renderer_);

    window_->setTitle(focused_ >= 0
                          ? "pistream: " + tiles_[static_cast<std::size_t>(focused_)]->state().title
                          : fmt::format("pistream: {} cameras", tiles_.size()));
}

void WallWindow::drawPicture(WallTile& tile, const Rect& area)
{
    const LinkStatus link = tile.link();
    // Decode at the size the picture is drawn at: the stream's aspect
    // letterboxed in the tile (the texture may already be a scaled decode).
    const Rect shown = letterbox(area.w, area.h, link.width > 0 ? link.width : 16,
                                 link.height > 0 ? link.height : 9);
    tile.setShownSize(shown.w, shown.h);
    if (tile.texture()) {
        const Rect r = letterbox(area.w, area.h, tile.pictureWidth(), tile.pictureHeight());
        const SDL_Rect target{area.x + r.x, area.y + r.y, r.w, r.h};
        SDL_RenderCopy(renderer_, tile.texture(), nullptr, &target);
    }
}

void WallWindow::drawText(WallTile& tile, std::size_t index, const Rect& area)
{
    if (!tile.label)
        return;
    const LinkStatus link = tile.link();
    const TileState state = tile.state();
    if (showStats_ || focused_ < 0) {
        std::vector<std::string> lines{
            fmt::format("{}  {}  {}", index + 1, state.title, state.state)};
        if (showStats_ && link.width > 0)
            lines.push_back(
                fmt::format("{}x{}{}  {:.1f} fps  {:.2f} Mbit/s", link.width, link.height,
                            link.rung.empty() || link.rung == "full" ? "" : " (" + link.rung + ")",
                            link.fps, link.mbits));
        const RecorderStatus recording = tile.recording();
        if (!recording.recording.empty())
            lines.push_back("REC " + recording.recording);
        if (!recording.lastError.empty())
            lines.push_back(recording.lastError);
        tile.label->draw(lines, TextOverlay::Anchor::TopLeft, area.w, area.h, 6, area.x, area.y);
    }
    // The state over the picture whatever the overlay says, as in the single window.
    if (state.warning)
        tile.banner->draw({state.detail.empty() ? state.state : state.state + ": " + state.detail},
                          TextOverlay::Anchor::BottomLeft, area.w, area.h, 8, area.x, area.y);
    if (state.motion)
        tile.badge->draw({"MOTION"}, TextOverlay::Anchor::TopRight, area.w, area.h, 8, area.x,
                         area.y);
}

void WallWindow::snapshot()
{
    std::vector<std::string> saved, failed;
    for (std::size_t index = 0; index < tiles_.size(); ++index) {
        if (focused_ >= 0 && static_cast<int>(index) != focused_)
            continue;
        std::string error;
        const std::string path = tiles_[index]->snapshot(config_.snapshotDir, error);
        if (path.empty()) {
            failed.push_back(tiles_[index]->state().title + ": " + error);
            continue;
        }
        spdlog::info("snapshot saved to {}", std::filesystem::absolute(path).string());
        saved.push_back(path);
    }
    if (saved.size() == 1 && failed.empty())
        flash("saved " + saved.front());
    else
        flash(fmt::format("{} snapshots saved{}{}", saved.size(), failed.empty() ? "" : "; ",
                          failed.empty() ? "" : failed.front()));
}

void WallWindow::toggleRecording()
{
    // From the wall, every tile follows the first: all record, or none does.
    bool anyRecording = false;
    for (std::size_t index = 0; index < tiles_.size(); ++index)
        if (focused_ < 0 || static_cast<int>(index) == focused_)
            anyRecording = anyRecording || !tiles_[index]->recording().recording.empty();
    std::size_t toggled = 0;
    for (std::size_t index = 0; index < tiles_.size(); ++index) {
        if (focused_ >= 0 && static_cast<int>(index) != focused_)
            continue;
        if (tiles_[index]->recording().recording.empty() == anyRecording)
            continue; // already as asked
        tiles_[index]->toggleRecording();
        ++toggled;
    }
    flash(fmt::format("recording {} ({} camera{})", anyRecording ? "stopped" : "started", toggled,
                      toggled == 1 ? "" : "s"));
}

void WallWindow::flash(const std::string& message)
{
    flash_ = message;
    flashUntil_ = std::chrono::steady_clock::now() + kWallMessageTime;
}

} // namespace pistream
