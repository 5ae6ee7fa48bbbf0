#include "sources/source_factory.h"

#include <charconv>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "sources/camera_backend.h"
#include "sources/mjpeg_source.h"
#include "sources/test_pattern_source.h"
#include "sources/y4m_source.h"

namespace pistream {

namespace {

constexpr double kDefaultFps = 30;

bool takePrefix(const std::string& spec, const std::string& prefix, std::string& rest)
{
    if (spec.rfind(prefix, 0) != 0)
        return false;
    rest = spec.substr(prefix.size());
    return true;
}

void warnIfResized(const SourceConfig& config, const FrameSource& source)
{
    const StreamFormat fmt = source.format();
    if (config.sizeGiven && (fmt.width != config.width || fmt.height != config.height))
        spdlog::warn("--size {}x{} ignored: {} is {}x{} and is streamed at that size", config.width,
                     config.height, config.spec, fmt.width, fmt.height);
}

} // namespace

bool keepsItselfAlive(const std::string& spec)
{
    return spec.rfind("mqtt://", 0) == 0 || spec.rfind("redis://", 0) == 0 ||
           spec.rfind("kafka://", 0) == 0;
}

std::string resolveSourceSpec(const std::string& spec)
{
    if (spec != "auto")
        return spec;
    if (cameraPresent())
        return "camera";
    spdlog::info("no camera found: streaming the test pattern (--source camera insists on one)");
    return "test";
}

std::unique_ptr<FrameSource> openSource(const SourceConfig& config)
{
    std::string path;
    std::unique_ptr<FrameSource> source;
    std::string option;
    if (config.spec == "test" || takePrefix(config.spec, "test:stall-after=", option)) {
        std::uint64_t stallAfter = 0;
        if (!option.empty()) {
            const auto [ptr, ec] =
                std::from_chars(option.data(), option.data() + option.size(), stallAfter);
            if (ec != std::errc{} || ptr != option.data() + option.size() || stallAfter == 0)
                throw std::runtime_error("source '" + config.spec +
                                         "': stall-after needs a frame count > 0");
        }
        source = std::make_unique<TestPatternSource>(
            config.width, config.height, config.fps > 0 ? config.fps : kDefaultFps, stallAfter);
    } else if (takePrefix(config.spec, "y4m:", path) && !path.empty()) {
        source = std::make_unique<Y4mSource>(path, config.fps);
    } else if (takePrefix(config.spec, "mjpeg:", path) && !path.empty()) {
        source = std::make_unique<MjpegSource>(path, config.fps > 0 ? config.fps : kDefaultFps);
    } else if (config.spec == "camera" || config.spec.rfind("camera:", 0) == 0) {
        CameraSelector selector;
        try {
            selector = parseCameraSpec(config.spec);
        } catch (const std::invalid_argument& error) {
            throw std::runtime_error(error.what());
        }
        return openCamera(selector, config.width, config.height,
                          config.fps > 0 ? config.fps : kDefaultFps, config.camera);
    } else if (keepsItselfAlive(config.spec)) {
        PublishTarget target;
        try {
            target = parseSourceUrl(config.spec);
        } catch (const std::invalid_argument& error) {
            throw std::runtime_error(error.what());
        }
        BrokerSourceConfig broker = config.broker;
        broker.fps = config.fps > 0 ? config.fps : kDefaultFps;
        source = std::make_unique<BrokerSource>(
            target, makeBrokerSubscriber(target, broker.maxPayload), broker);
    } else if (config.spec == "auto") {
        SourceConfig resolved = config;
        resolved.spec = resolveSourceSpec(config.spec);
        return openSource(resolved);
    } else {
        throw std::runtime_error(
            "unknown source '" + config.spec +
            "' (expected auto, camera[:N|:ID], test, y4m:PATH, mjpeg:PATH, "
            "mqtt://HOST/TOPIC, redis://HOST/CHANNEL or kafka://BROKER/TOPIC)");
    }
    warnIfResized(config, *source);
    return source;
}

} // namespace pistream
