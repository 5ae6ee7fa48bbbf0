#include "sources/camera_settings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <tuple>

#include <spdlog/fmt/fmt.h>

namespace pistream {

namespace {

const ControlLimit& needControl(const ControlLimits& limits, const char* name, const char* flag,
                                const char* what)
{
    const auto it = limits.find(name);
    if (it == limits.end())
        throw std::runtime_error(
            fmt::format("{}: this camera has no {} control ({})", flag, what, name));
    return it->second;
}

void checkRange(const ControlLimit& limit, double value, const char* flag, const char* unit = "")
{
    if (!std::isfinite(value))
        throw std::runtime_error(fmt::format("{} {}: not a number", flag, value));
    // A camera whose bounds are equal and zero reports no range: accept.
    if (limit.min == 0 && limit.max == 0)
        return;
    if (value < limit.min || value > limit.max)
        throw std::runtime_error(
            fmt::format("{} {}{} is out of range: this camera allows {}{} to {}{}", flag, value,
                        unit, limit.min, unit, limit.max, unit));
}

template <std::size_t N>
std::int32_t menuValue(const char* const (&names)[N], const std::string& name, const char* flag)
{
    for (std::size_t i = 0; i < N; ++i)
        if (name == names[i])
            return static_cast<std::int32_t>(i);
    std::string known;
    for (const char* candidate : names)
        known += (known.empty() ? "" : ", ") + std::string(candidate);
    throw std::runtime_error(
        fmt::format("{} {}: unknown mode (expected one of {})", flag, name, known));
}

template <std::size_t N>
void checkMenu(const ControlLimit& limit, std::int32_t value, const char* const (&names)[N],
               const char* flag)
{
    if (limit.values.empty() ||
        std::find(limit.values.begin(), limit.values.end(), value) != limit.values.end())
        return;
    std::string offered;
    for (const std::int32_t v : limit.values)
        if (v >= 0 && static_cast<std::size_t>(v) < N)
            offered += (offered.empty() ? "" : ", ") + std::string(names[v]);
    throw std::runtime_error(fmt::format("{} {}: this camera offers {}", flag,
                                         names[static_cast<std::size_t>(value)], offered));
}

} // namespace

std::vector<ControlSetting> planControls(const CameraSettings& settings,
                                         const ControlLimits& limits)
{
    std::vector<ControlSetting> plan;
    // The "...Mode" controls exist from libcamera 0.5; before, a fixed value
    // alone switches the algorithm to manual for that control.
    const auto setManual = [&](const char* modeControl) {
        if (limits.contains(modeControl))
            plan.push_back({modeControl, std::int32_t{1}});
    };

    if (settings.shutterMicros > 0) {
        const ControlLimit& limit =
            needControl(limits, "ExposureTime", "--shutter", "exposure time");
        checkRange(limit, settings.shutterMicros, "--shutter", " us");
        setManual("ExposureTimeMode");
        plan.push_back(
            {"ExposureTime", static_cast<std::int32_t>(std::lround(settings.shutterMicros))});
    }
    if (settings.gain > 0) {
        const ControlLimit& limit = needControl(limits, "AnalogueGain", "--gain", "analogue gain");
        checkRange(limit, settings.gain, "--gain");
        setManual("AnalogueGainMode");
        plan.push_back({"AnalogueGain", static_cast<float>(settings.gain)});
    }
    if (settings.awb != "auto") {
        const std::int32_t mode = menuValue(kAwbModes, settings.awb, "--awb");
        checkMenu(needControl(limits, "AwbMode", "--awb", "white balance mode"), mode, kAwbModes,
                  "--awb");
        plan.push_back({"AwbMode", mode});
    }
    const struct {
        const std::optional<double>& value;
        const char* control;
        const char* flag;
    } floats[] = {{settings.brightness, "Brightness", "--brightness"},
                  {settings.contrast, "Contrast", "--contrast"},
                  {settings.sharpness, "Sharpness", "--sharpness"}};
    for (const auto& [value, control, flag] : floats) {
        if (!value)
            continue;
        checkRange(needControl(limits, control, flag, control), *value, flag);
        plan.push_back({control, static_cast<float>(*value)});
    }
    if (!settings.autofocus.empty()) {
        const std::int32_t mode = menuValue(kAfModes, settings.autofocus, "--autofocus-mode");
        checkMenu(needControl(limits, "AfMode", "--autofocus-mode", "autofocus"), mode, kAfModes,
                  "--autofocus-mode");
        plan.push_back({"AfMode", mode});
    }
    return plan;
}

Flip flipFor(const CameraSettings& settings)
{
    const bool rotated = settings.rotation == 180;
    return {settings.hflip != rotated, settings.vflip != rotated};
}

FrameTiming frameTimingFor(double fps, const ControlLimit& frameDurationLimits)
{
    FrameTiming timing;
    timing.durationMicros = std::llround(1e6 / fps);
    const auto shortest = static_cast<std::int64_t>(frameDurationLimits.min);
    const auto longest = static_cast<std::int64_t>(frameDurationLimits.max);
    if (shortest > 0 && timing.durationMicros < shortest) {
        timing.durationMicros = shortest;
        timing.clamped = true;
    } else if (longest > 0 && timing.durationMicros > longest) {
        timing.durationMicros = longest;
        timing.clamped = true;
    }
    timing.fps = timing.clamped ? 1e6 / static_cast<double>(timing.durationMicros) : fps;
    return timing;
}

CameraSelector parseCameraSpec(const std::string& spec)
{
    if (spec == "camera")
        return {std::size_t{0}, {}};
    if (spec.rfind("camera:", 0) != 0 || spec.size() == 7)
        throw std::invalid_argument("source '" + spec +
                                    "': expected camera, camera:N or camera:ID");
    const std::string rest = spec.substr(7);
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
    if (error == std::errc{} && end == rest.data() + rest.size())
        return {index, {}};
    return {std::nullopt, rest};
}

std::size_t pickCamera(const std::vector<std::string>& ids, const CameraSelector& selector)
{
    if (selector.index && *selector.index < ids.size())
        return *selector.index;
    if (!selector.index) {
        const auto it = std::find(ids.begin(), ids.end(), selector.id);
        if (it != ids.end())
            return static_cast<std::size_t>(it - ids.begin());
    }
    std::string known;
    for (std::size_t i = 0; i < ids.size(); ++i)
        known += fmt::format("{}{}: {}", i == 0 ? "" : ", ", i, ids[i]);
    const std::string wanted =
        selector.index ? fmt::format("camera {}", *selector.index) : "camera '" + selector.id + "'";
    throw std::runtime_error(fmt::format("{} not found; libcamera sees {} camera{}{}{}", wanted,
                                         ids.size(), ids.size() == 1 ? "" : "s",
                                         ids.empty() ? "" : ": ", known));
}

std::vector<std::string> describeAdjustments(int requestedWidth, int requestedHeight,
                                             const StreamGeometry& configured)
{
    std::vector<std::string> lines;
    if (configured.width != requestedWidth || configured.height != requestedHeight)
        lines.push_back(fmt::format("size {}x{} is not available: the camera streams {}x{}",
                                    requestedWidth, requestedHeight, configured.width,
                                    configured.height));
    if (configured.stride != configured.width)
        lines.push_back(fmt::format("rows are {} bytes apart for {} pixels (padded); encoded "
                                    "from the padded rows as they are",
                                    configured.stride, configured.width));
    return lines;
}

std::array<Plane, 3> yuv420Planes(std::span<const std::uint8_t* const, 3> planeData,
                                  const StreamGeometry& geometry)
{
    return {Plane{planeData[0], geometry.stride}, Plane{planeData[1], geometry.stride / 2},
            Plane{planeData[2], geometry.stride / 2}};
}

std::int64_t sensorTimeToMonotonicMicros(std::int64_t sensorNanos, std::int64_t monotonicNowMicros,
                                         std::int64_t boottimeNowMicros)
{
    const std::int64_t sensorMicros = sensorNanos / 1000;
    const std::int64_t asMonotonic = sensorMicros;
    const std::int64_t asBoottime = sensorMicros - (boottimeNowMicros - monotonicNowMicros);
    // The reading closest to "now, or a little before" is the right clock.
    const auto age = [&](std::int64_t t) {
        return std::llabs(monotonicNowMicros - t);
    };
    return age(asBoottime) <= age(asMonotonic) ? asBoottime : asMonotonic;
}

const char* formatName(PixelFormat format)
{
    switch (format) {
    case PixelFormat::Yuv420:
        return "YUV 4:2:0";
    case PixelFormat::Mjpeg:
        return "MJPEG";
    case PixelFormat::Yuyv:
        return "YUYV";
    }
    return "?";
}

namespace {

bool formatMatches(const std::string& name, PixelFormat format)
{
    return name == "auto" || (name == "yuv420" && format == PixelFormat::Yuv420) ||
           (name == "mjpeg" && format == PixelFormat::Mjpeg) ||
           (name == "yuyv" && format == PixelFormat::Yuyv);
}

// "MJPEG and YUYV": the formats among the offers, in our order of preference.
std::string offeredFormats(const std::vector<CameraFormatOffer>& offers)
{
    std::string text;
    for (const PixelFormat format : {PixelFormat::Yuv420, PixelFormat::Mjpeg, PixelFormat::Yuyv})
        if (std::any_of(offers.begin(), offers.end(),
                        [&](const CameraFormatOffer& offer) { return offer.format == format; }))
            text += (text.empty() ? "" : " and ") + std::string(formatName(format));
    return text;
}

} // namespace

CameraFormatChoice chooseCameraFormat(const std::vector<CameraFormatOffer>& offers, int width,
                                      int height, double fps, const std::string& format)
{
    if (std::find(std::begin(kCameraFormats), std::end(kCameraFormats), format) ==
        std::end(kCameraFormats))
        throw std::runtime_error("--camera-format " + format +
                                 ": expected auto, yuv420, mjpeg or yuyv");
    std::vector<CameraFormatOffer> usable;
    std::copy_if(
        offers.begin(), offers.end(), std::back_inserter(usable),
        [&](const CameraFormatOffer& offer) { return formatMatches(format, offer.format); });
    if (offers.empty())
        throw std::runtime_error("the camera offers none of the formats pistream reads "
                                 "(YUV 4:2:0, MJPEG, YUYV)");
    if (usable.empty())
        throw std::runtime_error("--camera-format " + format + ": the camera offers only " +
                                 offeredFormats(offers));
    // The ISP's 4:2:0 at the size asked for (libcamera adjusts it, logged).
    for (const CameraFormatOffer& offer : usable)
        if (offer.format == PixelFormat::Yuv420 && offer.width == 0)
            return {PixelFormat::Yuv420, width, height};
    // Discrete sizes: the nearest size (by area, a larger one on a tie), then
    // one that reaches the rate, then the format that costs least.
    const double wanted = static_cast<double>(width) * height;
    const auto key = [&](const CameraFormatOffer& offer) {
        const double area = static_cast<double>(offer.width) * offer.height;
        const bool fast = offer.maxFps == 0 || offer.maxFps + 0.01 >= fps;
        return std::tuple(std::abs(area - wanted), area < wanted, !fast, offer.format,
                          -offer.maxFps);
    };
    const auto best = std::min_element(
        usable.begin(), usable.end(),
        [&](const CameraFormatOffer& a, const CameraFormatOffer& b) { return key(a) < key(b); });
    return {best->format, best->width, best->height};
}

std::vector<std::size_t> cameraOrder(const std::vector<bool>& external)
{
    std::vector<std::size_t> order(external.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_partition(order.begin(), order.end(), [&](std::size_t i) { return !external[i]; });
    return order;
}

std::string formatCameraList(const std::vector<CameraDescription>& cameras,
                             const std::string& libcameraVersion)
{
    if (cameras.empty())
        return fmt::format(
            "no cameras found (libcamera {}): check the ribbon cable, camera_auto_detect=1 in "
            "/boot/firmware/config.txt, that a USB webcam shows in /dev/video*, and that this "
            "user is in group video\n",
            libcameraVersion);
    std::string text = fmt::format("cameras (libcamera {}):\n", libcameraVersion);
    for (std::size_t i = 0; i < cameras.size(); ++i) {
        const CameraDescription& camera = cameras[i];
        text += fmt::format("{}: {} ({}){}  --source camera:{}\n", i,
                            camera.model.empty() ? "unknown model" : camera.model, camera.id,
                            camera.external ? " USB" : "", i);
        if (camera.maxWidth > 0)
            text += fmt::format("   streams 4:2:0 from {}x{} to {}x{}\n", camera.minWidth,
                                camera.minHeight, camera.maxWidth, camera.maxHeight);
        for (const PixelFormat format :
             {PixelFormat::Yuv420, PixelFormat::Mjpeg, PixelFormat::Yuyv}) {
            std::string sizes;
            for (const CameraFormatOffer& offer : camera.offers) {
                if (offer.format != format || offer.width == 0)
                    continue;
                sizes +=
                    fmt::format("{}{}x{}", sizes.empty() ? "" : ", ", offer.width, offer.height);
                if (offer.maxFps > 0)
                    sizes += fmt::format(" ({:.3g} fps)", offer.maxFps);
            }
            if (!sizes.empty())
                text += fmt::format("   {}: {}\n", formatName(format), sizes);
        }
        for (const CameraMode& mode : camera.modes) {
            text += fmt::format("   mode {}x{}", mode.width, mode.height);
            if (mode.bitDepth > 0)
                text += fmt::format(" {}-bit", mode.bitDepth);
            text += mode.maxFps > 0 ? fmt::format(" up to {:.1f} fps\n", mode.maxFps)
                                    : std::string(" (frame rates unknown: camera busy)\n");
        }
    }
    return text;
}

} // namespace pistream
