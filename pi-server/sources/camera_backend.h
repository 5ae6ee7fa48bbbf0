#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sources/camera_settings.h"
#include "sources/frame_source.h"

namespace pistream {

// The camera backend: libcamera where the build found it, otherwise a stand-in
// whose every camera request fails with one clear line. The same functions
// exist in both builds, so nothing else needs to know which one it has.

// libcamera's version ("0.0.3"), or "" when built without libcamera.
std::string libcameraVersion();

// Every camera libcamera finds, with its modes, for --list-cameras. Throws
// std::runtime_error when libcamera itself cannot start.
std::vector<CameraDescription> listCameras();

// Whether libcamera finds at least one camera (false without libcamera).
bool cameraPresent();

// Opens the selected camera as a FrameSource streaming YUV 4:2:0 at the size
// and rate asked for, or the nearest the camera can do (logged). Throws
// std::runtime_error: no camera, not found, busy, or a setting out of range.
std::unique_ptr<FrameSource> openCamera(const CameraSelector& selector, int width, int height,
                                        double fps, const CameraSettings& settings);

} // namespace pistream
