#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "decode/frame_slot.h"
#include "sinks/recorder_sink.h"
#include "stats/latency_window.h"
#include "stream/link_status.h"
#include "stream/viewer_sink.h"
#include "ui/sdl_window.h"
#include "ui/text_overlay.h"
#include "ui/window_config.h"

struct SDL_Renderer;
struct SDL_Texture;

namespace pistream {

class ViewerPipeline;

// The viewer's one window, owned by the main thread, and a sink of the
// pipeline: shows the newest decoded frame from the pipeline's slot in an
// IYUV texture (colour conversion on the GPU),
// letterboxed, with a stats overlay, and the connection's state over the last
// picture when it is not live. Keys: f fullscreen, q/Esc quit, s snapshot,
// r record, o overlay, h/? help.
class ViewerWindow : public ViewerSink {
public:
    // In `window` (the picker's), else in a window of its own; throws
    // NoDisplay when there is no display to open one on.
    ViewerWindow(const WindowConfig& config, FrameSlot& slot,
                 std::unique_ptr<SdlWindow> window = nullptr);
    ~ViewerWindow() override;
    ViewerWindow(const ViewerWindow&) = delete;
    ViewerWindow& operator=(const ViewerWindow&) = delete;

    // The pipeline's thread: nothing to do per frame; the picture comes through the slot.
    void onFrame(const SinkFrame&) override {}
    // Thread-safe: wakes the window when the slot has a new frame.
    void onNewestPicture() override;

    // Runs until the user quits; returns the exit code.
    int run(const ViewerPipeline& pipeline, RecorderSink& recorder);

private:
    struct Shown {
        LinkStatus link;
        RecorderStatus recorder;
    };

    bool handleKey(int key, int modifiers, RecorderSink& recorder);
    void uploadFrame();
    void render(const Shown& status);
    std::vector<std::string> statsLines(const Shown& status) const;
    void snapshot();
    void flash(const std::string& message);

    std::unique_ptr<SdlWindow> window_; // first: the renderer outlives every texture
    SDL_Renderer* renderer_ = nullptr;
    WindowConfig config_;
    FrameSlot& slot_;
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
};

} // namespace pistream
