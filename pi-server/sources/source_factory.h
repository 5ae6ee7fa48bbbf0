#pragma once

#include <memory>
#include <string>

#include "sources/broker_source.h"
#include "sources/camera_settings.h"
#include "sources/frame_source.h"

namespace pistream {

struct SourceConfig {
    // auto | camera[:N|:ID] | test | test:stall-after=N | y4m:PATH | mjpeg:PATH |
    // mqtt://HOST[:PORT]/TOPIC | redis://HOST[:PORT]/CHANNEL | kafka://BROKER[,BROKER]/TOPIC
    std::string spec = "auto";
    int width = 1280; // the camera's and test pattern's size; files have their own
    int height = 720;
    bool sizeGiven = false; // warn when a file's size differs from a requested one
    double fps = 0;         // 0: the source's own rate (30 for test, mjpeg and camera)
    CameraSettings camera;
    BrokerSourceConfig broker; // mqtt://, redis://, kafka:// (its fps is set from `fps`)
};

// "auto" becomes "camera" when libcamera finds one, else "test" (logged);
// every other spec is returned as it is.
std::string resolveSourceSpec(const std::string& spec);

// Opens the source a spec names. Throws std::runtime_error with one clear line
// for an unknown source, an unreadable or malformed file, a missing or busy
// camera, or a camera setting out of the camera's range.
std::unique_ptr<FrameSource> openSource(const SourceConfig& config);

// Whether the source a spec names keeps itself alive (a broker source
// reconnects and reports itself down and live) rather than needing a
// SourceSupervisor around it.
bool keepsItselfAlive(const std::string& spec);

} // namespace pistream
