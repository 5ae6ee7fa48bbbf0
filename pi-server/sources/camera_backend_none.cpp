// The camera backend of a build without libcamera (libcamera-dev not found).

#include <stdexcept>

#include "sources/camera_backend.h"

namespace pistream {

namespace {

constexpr const char* kNoLibcamera =
    "this pistream-server was built without libcamera (install libcamera-dev and rebuild)";

} // namespace

std::string libcameraVersion()
{
    return {};
}

std::vector<CameraDescription> listCameras()
{
    throw std::runtime_error(kNoLibcamera);
}

bool cameraPresent()
{
    return false;
}

std::unique_ptr<FrameSource> openCamera(const CameraSelector&, int, int, double,
                                        const CameraSettings&)
{
    throw std::runtime_error(kNoLibcamera);
}

} // namespace pistream
