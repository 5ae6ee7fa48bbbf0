#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/raw_frame.h"

namespace pistream {

// The camera-side logic that needs no camera: what the user asked for, checked
// against what a camera reports, in plain types. The libcamera backend
// translates libcamera's ControlInfoMap into ControlLimits and the plan back
// into a ControlList; everything between is here and tested without a sensor.

// What the user asks of a camera (flags and the config file).
struct CameraSettings {
    bool hflip = false;
    bool vflip = false;
    int rotation = 0;         // 0 or 180
    double shutterMicros = 0; // fixed exposure time; 0: automatic
    double gain = 0;          // fixed analogue gain; 0: automatic
    std::string awb = "auto"; // see kAwbModes
    std::optional<double> brightness;
    std::optional<double> contrast;
    std::optional<double> sharpness;
    std::string autofocus;       // "" (the camera's default) or one of kAfModes
    std::string format = "auto"; // what to ask the camera for: see kCameraFormats
};

// --camera-format: auto (4:2:0 where the camera makes it, else MJPEG, else
// YUYV), or one of them by name.
inline constexpr const char* kCameraFormats[] = {"auto", "yuv420", "mjpeg", "yuyv"};

// libcamera's names for its AwbMode and AfMode values, in enum order.
inline constexpr const char* kAwbModes[] = {"auto",   "incandescent", "tungsten", "fluorescent",
                                            "indoor", "daylight",     "cloudy",   "custom"};
inline constexpr const char* kAfModes[] = {"manual", "auto", "continuous"};

// One control's limits as a camera reports them (libcamera's ControlInfo):
// numeric bounds, and for a menu control the values it accepts.
struct ControlLimit {
    double min = 0;
    double max = 0;
    std::vector<std::int32_t> values; // menu controls only (AwbMode, AfMode)
};

// By libcamera control name: "ExposureTime", "AnalogueGain", "AwbMode", ...
using ControlLimits = std::map<std::string, ControlLimit, std::less<>>;

// A control to set, by libcamera name, with the type libcamera declares for it.
struct ControlSetting {
    std::string name;
    std::variant<bool, std::int32_t, float> value;

    bool operator==(const ControlSetting&) const = default;
};

// Checks every setting the user gave against the camera's limits and returns
// the controls to set. Throws std::runtime_error naming the flag, the value
// and what this camera allows, for a value out of range or a control the
// camera lacks (autofocus on a fixed-focus module, say).
std::vector<ControlSetting> planControls(const CameraSettings& settings,
                                         const ControlLimits& limits);

// The picture's orientation: flips combined with a 180° rotation.
struct Flip {
    bool horizontal = false;
    bool vertical = false;

    bool operator==(const Flip&) const = default;
};
Flip flipFor(const CameraSettings& settings);

// The frame duration that gives `fps`, clamped to the camera's
// FrameDurationLimits (µs) for the configured mode.
struct FrameTiming {
    std::int64_t durationMicros = 0;
    double fps = 0;
    bool clamped = false; // the camera cannot do the rate asked for
};
FrameTiming frameTimingFor(double fps, const ControlLimit& frameDurationLimits);

// What `camera`, `camera:N` or `camera:ID` names.
struct CameraSelector {
    std::optional<std::size_t> index; // camera:N (camera alone is index 0)
    std::string id;                   // camera:ID, as --list-cameras prints it
};
// Throws std::invalid_argument if spec does not start with "camera".
CameraSelector parseCameraSpec(const std::string& spec);
// The position of the selected camera among the ids libcamera lists. Throws
// std::runtime_error saying which cameras there are when it is not among them.
std::size_t pickCamera(const std::vector<std::string>& ids, const CameraSelector& selector);

// What a camera delivers after libcamera adjusted the requested configuration.
struct StreamGeometry {
    int width = 0;
    int height = 0;
    int stride = 0; // bytes per luma row
};
// One line per difference between what was asked and what the camera will
// stream, for the log; empty when it is exactly what was asked.
std::vector<std::string> describeAdjustments(int requestedWidth, int requestedHeight,
                                             const StreamGeometry& configured);

// The three planes of a YUV 4:2:0 buffer as libcamera lays it out: luma rows
// of `stride` bytes, chroma rows of stride / 2, each plane at its offset in
// one mapping (or in separate mappings: pass each plane's own base).
std::array<Plane, 3> yuv420Planes(std::span<const std::uint8_t* const, 3> planeData,
                                  const StreamGeometry& geometry);

// A sensor timestamp (ns) on the monotonic clock (µs) this program uses.
// libcamera documents CLOCK_BOOTTIME, some pipelines deliver CLOCK_MONOTONIC:
// the two differ by the time spent suspended, so whichever reading puts the
// capture in the last few seconds is the right one.
std::int64_t sensorTimeToMonotonicMicros(std::int64_t sensorNanos, std::int64_t monotonicNowMicros,
                                         std::int64_t boottimeNowMicros);

// What a camera can deliver in one pixel format at one size: a Pi camera's ISP
// scales 4:2:0 to any size in a range (one offer, sized 0x0: "any"), a webcam
// lists discrete sizes in MJPEG and YUYV, each with its fastest rate.
struct CameraFormatOffer {
    PixelFormat format = PixelFormat::Yuv420;
    int width = 0; // 0: any size (the camera scales)
    int height = 0;
    double maxFps = 0; // 0: unknown

    bool operator==(const CameraFormatOffer&) const = default;
};
struct CameraFormatChoice {
    PixelFormat format = PixelFormat::Yuv420;
    int width = 0;
    int height = 0;

    bool operator==(const CameraFormatChoice&) const = default;
};
// The format and size to ask a camera for. 4:2:0 where offered (the Pi's ISP
// makes it at the size asked for, with no conversion); otherwise the offer
// nearest the size asked for among those that reach the rate, MJPEG before
// YUYV at the same size (the camera has compressed it: nothing to encode).
// `format` is the user's --camera-format. Throws std::runtime_error naming
// what the camera offers when nothing fits (no known format, or not the one
// asked for).
CameraFormatChoice chooseCameraFormat(const std::vector<CameraFormatOffer>& offers, int width,
                                      int height, double fps, const std::string& format = "auto");
// "YUV 4:2:0", "MJPEG", "YUYV".
const char* formatName(PixelFormat format);

// The order cameras are numbered in, and `camera` picks the first of: built-in
// cameras (the Pi's camera modules) before external ones (USB webcams), each
// group in libcamera's order. `external[i]` says whether libcamera's camera i
// is external; the result lists libcamera's indices in our order.
std::vector<std::size_t> cameraOrder(const std::vector<bool>& external);

// One sensor mode, for --list-cameras.
struct CameraMode {
    int width = 0;
    int height = 0;
    int bitDepth = 0;  // 0 if unknown
    double maxFps = 0; // 0 if unknown (the camera was busy)
};
struct CameraDescription {
    std::string id;
    std::string model; // "imx219", or "" if the camera does not say
    std::vector<CameraMode> modes;
    // The YUV 4:2:0 sizes it can scale to, smallest and largest; 0 if unknown.
    int minWidth = 0, minHeight = 0, maxWidth = 0, maxHeight = 0;
    // A webcam's discrete sizes in MJPEG and YUYV (4:2:0 ranges are above).
    std::vector<CameraFormatOffer> offers;
    bool external = false; // a USB webcam
};
// The --list-cameras text.
std::string formatCameraList(const std::vector<CameraDescription>& cameras,
                             const std::string& libcameraVersion);

} // namespace pistream
