#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "connection/stream_client.h"
#include "decode/frame_slot.h"
#include "sinks/recorder_sink.h"
#include "stream/viewer_pipeline.h"
#include "stream/viewer_sink.h"
#include "ui/tile_state.h"

struct SDL_Renderer;
struct SDL_Texture;

namespace pistream {

class TextOverlay;

// One camera of the wall, as the command line or discovery gave it.
struct WallCamera {
    std::string address;     // HOST:PORT as given or found: the tile's identity
    std::string label;       // shown until the server's hello names it (a discovered service name)
    ClientConfig client;     // its own key (remembered per host) and limits
    bool keyMissing = false; // needs a pairing key this viewer does not have: no connection
};

// A tile of the wall: its own ViewerPipeline (connection, reconnects, key,
// decoder, statistics) and recorder on its own thread, so one camera that
// is down or sends garbage touches no other, and, on the UI thread, its
// texture and text. The pipeline's thread only wakes the UI (onNewestPicture).
class WallTile : public ViewerSink {
public:
    // frameEvent: the SDL event type that wakes the window.
    WallTile(const WallCamera& camera, std::uint32_t frameEvent);
    ~WallTile() override;
    WallTile(const WallTile&) = delete;
    WallTile& operator=(const WallTile&) = delete;

    void start();

    void onFrame(const SinkFrame&) override {}
    void onNewestPicture() override; // any thread

    // UI thread from here on.
    const std::string& address() const { return camera_.address; }
    TileState state() const;
    LinkStatus link() const;
    RecorderStatus recording() const;
    // Takes the newest picture into the texture; true if there was one.
    bool update(SDL_Renderer* renderer);
    SDL_Texture* texture() const { return texture_; }
    int pictureWidth() const { return textureWidth_; }
    int pictureHeight() const { return textureHeight_; }
    // The size the picture is drawn at, so that it decodes at the DCT scale
    // that fits (decodeScaleFor).
    void setShownSize(int width, int height);
    // Saves the newest JPEG as received; returns the file, or "" with why in `error`.
    std::string snapshot(const std::filesystem::path& dir, std::string& error) const;
    void toggleRecording();
    // Pictures shown per second since the first one (0 before two), for the
    // summary the wall logs when it closes.
    double shownRate() const;

    // The tile's text, drawn by WallWindow (textures cached per text).
    std::unique_ptr<TextOverlay> label;
    std::unique_ptr<TextOverlay> banner;
    std::unique_ptr<TextOverlay> badge;

private:
    WallCamera camera_;
    std::string filePrefix_; // "pistream-Garden-": snapshots and recordings
    std::uint32_t frameEvent_;
    std::unique_ptr<ViewerPipeline> pipeline_; // null when the key is missing
    std::unique_ptr<RecorderSink> recorder_;
    std::unique_ptr<DecodedFrame> front_;
    SDL_Texture* texture_ = nullptr;
    int textureWidth_ = 0;
    int textureHeight_ = 0;
    std::chrono::steady_clock::time_point firstPicture_;
    std::chrono::steady_clock::time_point lastPicture_;
    std::uint64_t pictures_ = 0;
    int shownWidth_ = 0;
    int shownHeight_ = 0;
};

// "pistream-Garden_door-": a file name prefix from a camera's name or
// address, with anything but letters, digits, '-' and '.' made '_'.
std::string cameraFilePrefix(const std::string& name);

} // namespace pistream
