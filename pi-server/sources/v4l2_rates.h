#pragma once

#include <string>
#include <vector>

#include "sources/camera_settings.h"

namespace pistream {

// libcamera (0.0.x) does not report a UVC webcam's frame rates, which the
// format choice and --list-cameras need: these ask the kernel's V4L2 device
// directly, read-only (enumeration ioctls, no streaming).

// The "vvvv:pppp" USB vendor and product at the end of libcamera's id for a
// UVC camera ("...-1.2:1.0-046d:0825"), or "" for any other id.
std::string usbIdOf(const std::string& cameraId);

// The fastest rate at each MJPEG and YUYV size of the first V4L2 capture
// device whose USB vendor and product are `usbId`; empty when there is none
// or it cannot be read. `sysRoot` is for tests.
std::vector<CameraFormatOffer> usbCameraRates(const std::string& usbId,
                                              const std::string& sysRoot = "/sys");

// Sets each offer's maxFps from the rate of the same format and size, where
// `rates` has one.
void applyRates(std::vector<CameraFormatOffer>& offers,
                const std::vector<CameraFormatOffer>& rates);

} // namespace pistream
