#include "ui/wall_tile.h"

#include <SDL.h>
#include <fstream>

#include "ui/text_overlay.h"

namespace pistream {

std::string cameraFilePrefix(const std::string& name)
{
    std::string prefix = "pistream-";
    for (const char c : name.substr(0, 40)) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '.';
        prefix += plain ? c : '_';
    }
    return prefix + "-";
}

WallTile::WallTile(const WallCamera& camera, std::uint32_t frameEvent)
    : camera_(camera),
      filePrefix_(cameraFilePrefix(camera.label.empty() ? camera.address : camera.label)),
      frameEvent_(frameEvent)
{
    if (camera.keyMissing)
        return;
    pipeline_ = std::make_unique<ViewerPipeline>(PipelineConfig{camera.client, true, true});
    // A tile is sent half-size pictures while they cover it; a recording
    // asks for the full ones and starts with the first of them.
    recorder_ = std::make_unique<RecorderSink>(
        pipeline_->io(), "", filePrefix_,
        [pipeline = pipeline_.get()](bool full) { pipeline->holdFullSize(full); });
    pipeline_->addSink(recorder_.get());
    pipeline_->addSink(this);
}

WallTile::~WallTile()
{
    if (pipeline_)
        pipeline_->stop(); // joins its thread before the sinks go
    label.reset();
    banner.reset();
    badge.reset();
    if (texture_)
        SDL_DestroyTexture(texture_);
}

void WallTile::start()
{
    if (pipeline_)
        pipeline_->start();
}

void WallTile::onNewestPicture()
{
    SDL_Event event{};
    event.type = frameEvent_;
    SDL_PushEvent(&event);
}

LinkStatus WallTile::link() const
{
    return pipeline_ ? pipeline_->status() : LinkStatus{};
}

TileState WallTile::state() const
{
    LinkStatus status = link();
    if (status.name.empty() && !camera_.label.empty())
        status.name = camera_.label;
    return tileState(status, camera_.address, camera_.keyMissing);
}

RecorderStatus WallTile::recording() const
{
    return recorder_ ? recorder_->status() : RecorderStatus{};
}

bool WallTile::update(SDL_Renderer* renderer)
{
    if (!pipeline_ || !pipeline_->slot().take(front_))
        return false;
    lastPicture_ = std::chrono::steady_clock::now();
    if (pictures_++ == 0)
        firstPicture_ = lastPicture_;
    const YuvImage& image = front_->image;
    if (!texture_ || textureWidth_ != image.info.width || textureHeight_ != image.info.height) {
        if (texture_)
            SDL_DestroyTexture(texture_);
        // A new scale or a new stream size: a texture of the decoded size.
        texture_ = SDL_CreateTexture(renderer, SDL_PIXELFORMAT_IYUV, SDL_TEXTUREACCESS_STREAMING,
                                     image.info.width, image.info.height);
        textureWidth_ = texture_ ? image.info.width : 0;
        textureHeight_ = texture_ ? image.info.height : 0;
    }
    if (texture_)
        SDL_UpdateYUVTexture(texture_, nullptr, image.planes[0], image.strides[0], image.planes[1],
                             image.strides[1], image.planes[2], image.strides[2]);
    return true;
}

void WallTile::setShownSize(int width, int height)
{
    if (!pipeline_ || (width == shownWidth_ && height == shownHeight_))
        return;
    shownWidth_ = width;
    shownHeight_ = height;
    pipeline_->setShownSize(width, height);
}

std::string WallTile::snapshot(const std::filesystem::path& dir, std::string& error) const
{
    if (!front_ || front_->jpeg.empty()) {
        error = "no frame yet";
        return {};
    }
    const auto path = dir / timestampedName(filePrefix_.c_str(), ".jpg");
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(front_->jpeg.data()),
              static_cast<std::streamsize>(front_->jpeg.size()));
    out.close();
    if (!out) {
        error = "cannot save " + path.string();
        return {};
    }
    return path.string();
}

double WallTile::shownRate() const
{
    const std::chrono::duration<double> span = lastPicture_ - firstPicture_;
    return pictures_ >= 2 && span.count() > 0 ? static_cast<double>(pictures_ - 1) / span.count()
                                              : 0;
}

void WallTile::toggleRecording()
{
    if (recorder_)
        recorder_->toggle();
}

} // namespace pistream
