#include "ui/viewer_window.h"

#include <SDL.h>
#include <algorithm>
#include <fstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "stream/viewer_pipeline.h"
#include "ui/letterbox.h"

namespace pistream {

namespace {

constexpr int kDefaultWidth = 960;
constexpr int kDefaultHeight = 540;
constexpr int kMaxAutoWidth = 1280;
constexpr int kMaxAutoHeight = 720;
constexpr auto kMessageTime = std::chrono::seconds(4);
constexpr auto kStatusRefresh = std::chrono::milliseconds(250);

const std::vector<std::string> kHelp = {
    "pistream-viewer keys",
    "f      fullscreen on/off",
    "s      save a snapshot (the JPEG as received)",
    "r      start/stop recording (.mkv)",
    "o      stats overlay on/off",
    "h, ?   this help",
    "q, Esc quit",
};

} // namespace

ViewerWindow::ViewerWindow(const WindowConfig& config, FrameSlot& slot,
                           std::unique_ptr<SdlWindow> window)
    : window_(window ? std::move(window)
                     : std::make_unique<SdlWindow>(config, kDefaultWidth, kDefaultHeight)),
      renderer_(window_->renderer()), config_(config), slot_(slot), showOverlay_(config.overlay)
{
    frameEvent_ = SDL_RegisterEvents(1);
    sized_ = config.width > 0 || config.fullscreen;

    const std::string font = findFont(config.font);
    if (font.empty()) {
        spdlog::warn("no font found (install fonts-dejavu-core or use --font): no overlay");
    } else {
        try {
            text_ = std::make_unique<TextOverlay>(renderer_, font, 15);
            help_ = std::make_unique<TextOverlay>(renderer_, font, 15);
            banner_ = std::make_unique<TextOverlay>(renderer_, font, 24);
        } catch (const std::exception& error) {
            spdlog::warn("{}: no overlay", error.what());
        }
    }
}

ViewerWindow::~ViewerWindow()
{
    text_.reset();
    help_.reset();
    banner_.reset();
    if (texture_)
        SDL_DestroyTexture(texture_);
}

void ViewerWindow::onNewestPicture()
{
    SDL_Event event{};
    event.type = frameEvent_;
    SDL_PushEvent(&event);
}

int ViewerWindow::run(const ViewerPipeline& pipeline, RecorderSink& recorder)
{
    Shown status{pipeline.status(), recorder.status()};
    auto lastStatus = std::chrono::steady_clock::now();
    bool dirty = true;
    for (;;) {
        SDL_Event event;
        bool have = SDL_WaitEventTimeout(&event, 100) != 0;
        while (have) {
            if (event.type == SDL_QUIT)
                return 0;
            if (event.type == SDL_KEYDOWN &&
                handleKey(event.key.keysym.sym, event.key.keysym.mod, recorder))
                return 0;
            if (event.type == SDL_WINDOWEVENT || event.type == SDL_KEYDOWN)
                dirty = true;
            have = SDL_PollEvent(&event) != 0;
        }
        if (slot_.take(front_)) {
            uploadFrame();
            dirty = true;
        }
        const auto now = std::chrono::steady_clock::now();
        if (now - lastStatus >= kStatusRefresh) {
            status = {pipeline.status(), recorder.status()};
            lastStatus = now;
            dirty = true;
        }
        if (dirty) {
            render(status);
            dirty = false;
        }
    }
}

bool ViewerWindow::handleKey(int key, int modifiers, RecorderSink& recorder)
{
    if (isHelpKey(key, modifiers)) {
        showHelp_ = !showHelp_;
        return false;
    }
    switch (key) {
    case SDLK_q:
    case SDLK_ESCAPE:
        return true;
    case SDLK_f:
        window_->toggleFullscreen();
        break;
    case SDLK_s:
        snapshot();
        break;
    case SDLK_r: {
        const bool was = !recorder.status().recording.empty();
        recorder.toggle();
        flash(was ? "recording stopped" : "recording started");
        break;
    }
    case SDLK_o:
        showOverlay_ = !showOverlay_;
        break;
    default:
        break;
    }
    return false;
}

void ViewerWindow::uploadFrame()
{
    const YuvImage& image = front_->image;
    if (!texture_ || textureWidth_ != image.info.width || textureHeight_ != image.info.height) {
        if (texture_)
            SDL_DestroyTexture(texture_);
        texture_ = SDL_CreateTexture(renderer_, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING,
                                     image.info.width, image.info.height);
        textureWidth_ = image.info.width;
        textureHeight_ = image.info.height;
        if (!sized_) {
            // Follow the stream's size once, scaled down to fit a laptop screen.
            const Rect fit =
                letterbox(kMaxAutoWidth, kMaxAutoHeight, textureWidth_, textureHeight_);
            SDL_SetWindowSize(window_->window(), std::min(textureWidth_, fit.w),
                              std::min(textureHeight_, fit.h));
            sized_ = true;
        }
    }
    if (texture_)
        SDL_UpdateYUVTexture(texture_, nullptr, image.planes[0], image.strides[0], image.planes[1],
                             image.strides[1], image.planes[2], image.strides[2]);
}

void ViewerWindow::render(const Shown& shown)
{
    const LinkStatus& status = shown.link;
    int width = 0, height = 0;
    window_->outputSize(width, height);
    SDL_SetRenderDrawColor(renderer_, 0, 0, 0, 255);
    SDL_RenderClear(renderer_);
    if (texture_) {
        const Rect r = letterbox(width, height, textureWidth_, textureHeight_);
        const SDL_Rect target{r.x, r.y, r.w, r.h};
        SDL_RenderCopy(renderer_, texture_, nullptr, &target);
    }

    if (text_ && showOverlay_)
        text_->draw(statsLines(shown), TextOverlay::Anchor::TopRight, width, height);
    if (help_ && showHelp_)
        help_->draw(kHelp, TextOverlay::Anchor::Centre, width, height);

    // The connection's state over the last picture, whatever the overlay says.
    std::string banner;
    if (!front_ && status.state != LinkState::Reconnecting && status.state != LinkState::WrongKey)
        banner = "connecting to " + config_.title;
    else if (status.state != LinkState::Live)
        banner =
            std::string(nameOf(status.state)) + (status.detail.empty() ? "" : ": " + status.detail);
    if (banner_ && !banner.empty())
        banner_->draw({banner}, TextOverlay::Anchor::BottomLeft, width, height, 16);
    // The motion badge, whatever the overlay says: the server saw movement.
    if (banner_ && status.motion)
        banner_->draw({"MOTION"}, TextOverlay::Anchor::TopLeft, width, height, 16);
    SDL_RenderPresent(renderer_);

    if (front_ && texture_ && front_->captureOnViewerClock) {
        const double latency =
            static_cast<double>(monotonicMicros() - *front_->captureOnViewerClock) / 1000.0;
        latencies_.add(latency);
    }
    // The server's name from its hello (1.1) first, then where it is.
    const std::string where =
        status.name.empty() ? config_.title : status.name + " at " + config_.title;
    window_->setTitle("pistream: " + where + " (" + nameOf(status.state) + ")");
}

std::vector<std::string> ViewerWindow::statsLines(const Shown& shown) const
{
    const LinkStatus& status = shown.link;
    std::vector<std::string> lines;
    lines.push_back(fmt::format("{}{}{}  {}", status.name, status.name.empty() ? "" : " at ",
                                config_.title, nameOf(status.state)));
    lines.push_back(fmt::format("{}x{}  {:.1f} fps  {:.2f} Mbit/s  {}", status.width, status.height,
                                status.fps, status.mbits, status.rung));
    const auto median = latencies_.percentile(50);
    const std::string latency = median ? fmt::format("{:.1f} ms", *median) : "-";
    lines.push_back(
        fmt::format("latency {}  rtt {}", latency,
                    status.rttMillis ? fmt::format("{:.2f} ms", *status.rttMillis) : "-"));
    lines.push_back(fmt::format("dropped {}  skipped {}  errors {}", slot_.dropped(), status.gaps,
                                status.decodeErrors));
    if (!status.lastEvent.empty())
        lines.push_back(status.lastEvent);
    if (!shown.recorder.recording.empty())
        lines.push_back("REC " + shown.recorder.recording);
    if (!shown.recorder.lastError.empty())
        lines.push_back(shown.recorder.lastError);
    if (!message_.empty() && std::chrono::steady_clock::now() < messageUntil_)
        lines.push_back(message_);
    return lines;
}

void ViewerWindow::snapshot()
{
    if (!front_ || front_->jpeg.empty()) {
        flash("no frame to save yet");
        return;
    }
    const auto path = config_.snapshotDir / timestampedName("pistream-", ".jpg");
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(front_->jpeg.data()),
              static_cast<std::streamsize>(front_->jpeg.size()));
    out.close();
    if (!out) {
        spdlog::error("cannot save snapshot {}", path.string());
        flash("cannot save " + path.string());
        return;
    }
    spdlog::info("snapshot saved to {}", std::filesystem::absolute(path).string());
    flash("saved " + path.string());
}

void ViewerWindow::flash(const std::string& message)
{
    message_ = message;
    messageUntil_ = std::chrono::steady_clock::now() + kMessageTime;
}

} // namespace pistream
