// The camera backend on libcamera: LibcameraSource and --list-cameras.
//
// Built against Debian's libcamera 0.0.x and Raspberry Pi OS's 0.3 and later.
// Controls are looked up by name in what the camera reports, so only the flip
// (Transform before 0.2, Orientation from 0.2) needs the version macros.

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <libcamera/libcamera.h>
#include <linux/dma-buf.h>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <tuple>
#include <variant>

#include <spdlog/spdlog.h>

#include "codec/jpeg_syntax.h"
#include "core/clock.h"
#include "protocol/messages.h"
#include "sources/camera_backend.h"
#include "sources/v4l2_rates.h"

namespace lc = libcamera;

#if LIBCAMERA_VERSION_MAJOR > 0 || LIBCAMERA_VERSION_MINOR >= 2
#define PISTREAM_LIBCAMERA_ORIENTATION 1
#endif

namespace pistream {

namespace {

// Enough for the encoder to hold one, the pipeline to fill two, one spare.
constexpr unsigned int kBufferCount = 4;
// Failed frames in a row before the source reports itself down (and is reopened).
constexpr int kErrorsBeforeDown = 8;

std::int64_t boottimeMicros()
{
    timespec now{};
    clock_gettime(CLOCK_BOOTTIME, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

// libcamera allows one CameraManager per process: the listing and every
// (re)opened source share it while any of them lives.
std::shared_ptr<lc::CameraManager> cameraManager()
{
    static std::mutex mutex;
    static std::weak_ptr<lc::CameraManager> shared;
    std::lock_guard lock(mutex);
    if (auto manager = shared.lock())
        return manager;
    // libcamera logs INFO lines to stderr; keep its errors only unless the
    // user set its levels or asked for our debug output.
    setenv("LIBCAMERA_LOG_LEVELS",
           spdlog::get_level() <= spdlog::level::debug ? "*:INFO" : "*:ERROR", 0);
    auto manager = std::make_shared<lc::CameraManager>();
    if (const int ret = manager->start(); ret < 0)
        throw std::runtime_error(std::string("libcamera cannot start: ") + std::strerror(-ret));
    shared = manager;
    return manager;
}

std::string noCameraMessage()
{
    std::string text = formatCameraList({}, libcameraVersion());
    text.pop_back(); // the newline
    return text;
}

double numberOf(const lc::ControlValue& value)
{
    if (value.isNone() || value.isArray())
        return 0;
    switch (value.type()) {
    case lc::ControlTypeBool:
        return value.get<bool>() ? 1 : 0;
    case lc::ControlTypeByte:
        return value.get<std::uint8_t>();
    case lc::ControlTypeInteger32:
        return value.get<std::int32_t>();
    case lc::ControlTypeInteger64:
        return static_cast<double>(value.get<std::int64_t>());
    case lc::ControlTypeFloat:
        return static_cast<double>(value.get<float>());
    default:
        return 0;
    }
}

ControlLimits limitsOf(const lc::ControlInfoMap& controls)
{
    ControlLimits limits;
    for (const auto& [id, info] : controls) {
        ControlLimit& limit = limits[id->name()];
        limit.min = numberOf(info.min());
        limit.max = numberOf(info.max());
        for (const lc::ControlValue& value : info.values())
            if (value.type() == lc::ControlTypeInteger32 && !value.isArray())
                limit.values.push_back(value.get<std::int32_t>());
    }
    return limits;
}

const lc::ControlId* findControl(const lc::ControlInfoMap& controls, const std::string& name)
{
    for (const auto& entry : controls)
        if (entry.first->name() == name)
            return entry.first;
    return nullptr;
}

void setFlip(lc::CameraConfiguration& config, Flip flip)
{
#ifdef PISTREAM_LIBCAMERA_ORIENTATION
    using lc::Orientation;
    config.orientation =
        flip.horizontal ? (flip.vertical ? Orientation::Rotate180 : Orientation::Rotate0Mirror)
                        : (flip.vertical ? Orientation::Rotate180Mirror : Orientation::Rotate0);
#else
    lc::Transform transform = lc::Transform::Identity;
    if (flip.horizontal)
        transform |= lc::Transform::HFlip;
    if (flip.vertical)
        transform |= lc::Transform::VFlip;
    config.transform = transform;
#endif
}

Flip flipOf(const lc::CameraConfiguration& config)
{
#ifdef PISTREAM_LIBCAMERA_ORIENTATION
    using lc::Orientation;
    const Orientation o = config.orientation;
    return {o == Orientation::Rotate180 || o == Orientation::Rotate0Mirror,
            o == Orientation::Rotate180 || o == Orientation::Rotate180Mirror};
#else
    return {!!(config.transform & lc::Transform::HFlip),
            !!(config.transform & lc::Transform::VFlip)};
#endif
}

int bitDepthOf(const lc::PixelFormat& format)
{
    // Raw formats are named like SRGGB10_CSI2P: the first number is the depth.
    const std::string name = format.toString();
    const auto digit = name.find_first_of("0123456789");
    return digit == std::string::npos ? 0 : std::atoi(name.c_str() + digit);
}

std::string modelOf(const lc::Camera& camera)
{
    // std::string before libcamera 0.4, std::string_view after.
    return std::string(camera.properties().get(lc::properties::Model).value_or(""));
}

// A problem with one frame is not fatal: say so at most every ten seconds
// per kind, whichever thread met it, with how often it happened meanwhile.
class RareWarning {
public:
    explicit RareWarning(const char* what) : what_(what) {}
    void operator()(const std::string& detail)
    {
        ++count_;
        const std::int64_t now = monotonicMicros();
        std::int64_t next = next_.load();
        if (now < next || !next_.compare_exchange_strong(next, now + 10'000'000))
            return;
        spdlog::warn("{}: {} ({} times since the last warning)", what_, detail, count_.exchange(0));
    }

private:
    const char* what_;
    std::atomic<std::int64_t> next_{0};
    std::atomic<unsigned int> count_{0};
};

// A failed sync: the picture may show stale cache lines.
void warnSyncFailed(int error)
{
    static RareWarning warning("camera buffer sync failed");
    warning(std::strerror(error));
}

// libcamera's formats that pistream reads, and ours for them.
std::optional<PixelFormat> ourFormat(const lc::PixelFormat& format)
{
    if (format == lc::formats::YUV420)
        return PixelFormat::Yuv420;
    if (format == lc::formats::MJPEG)
        return PixelFormat::Mjpeg;
    if (format == lc::formats::YUYV)
        return PixelFormat::Yuyv;
    return std::nullopt;
}

lc::PixelFormat libcameraFormat(PixelFormat format)
{
    switch (format) {
    case PixelFormat::Mjpeg:
        return lc::formats::MJPEG;
    case PixelFormat::Yuyv:
        return lc::formats::YUYV;
    case PixelFormat::Yuv420:
        break;
    }
    return lc::formats::YUV420;
}

// What the camera offers for video, in the plain types chooseCameraFormat
// takes: 4:2:0 over a range of sizes (a Pi's ISP) as one "any size" offer,
// discrete sizes (a webcam) one by one. libcamera does not say a webcam's
// rates per size, so they are unknown here.
std::vector<CameraFormatOffer> offersOf(const lc::StreamFormats& formats)
{
    std::vector<CameraFormatOffer> offers;
    for (const lc::PixelFormat& format : formats.pixelformats()) {
        const auto ours = ourFormat(format);
        if (!ours)
            continue;
        if (*ours == PixelFormat::Yuv420 && !formats.range(format).max.isNull() &&
            formats.range(format).min != formats.range(format).max) {
            offers.push_back({PixelFormat::Yuv420, 0, 0, 0});
            continue;
        }
        for (const lc::Size& size : formats.sizes(format))
            offers.push_back(
                {*ours, static_cast<int>(size.width), static_cast<int>(size.height), 0});
    }
    return offers;
}

// Every format the camera lists, for the message when none is one we read.
std::string allFormatsOf(const lc::StreamFormats& formats)
{
    std::string names;
    for (const lc::PixelFormat& format : formats.pixelformats())
        names += (names.empty() ? "" : ", ") + format.toString();
    return names.empty() ? "nothing" : names;
}

bool isExternal(const lc::Camera& camera)
{
    const auto location = camera.properties().get(lc::properties::Location);
    return location && *location == lc::properties::CameraLocationExternal;
}

// libcamera's cameras in the order pistream numbers them: built-in first.
std::vector<std::shared_ptr<lc::Camera>> camerasInOrder(lc::CameraManager& manager)
{
    const std::vector<std::shared_ptr<lc::Camera>> cameras = manager.cameras();
    std::vector<bool> external;
    for (const auto& camera : cameras)
        external.push_back(isExternal(*camera));
    std::vector<std::shared_ptr<lc::Camera>> ordered;
    for (const std::size_t index : cameraOrder(external))
        ordered.push_back(cameras[index]);
    return ordered;
}

// Brackets the CPU's reads of a camera buffer, as rpicam-apps does, so that the
// CPU sees what the ISP wrote rather than stale cache lines: DMA_BUF_SYNC_START
// before reading, DMA_BUF_SYNC_END when done, once per distinct dmabuf.
void syncDmabufs(const std::vector<lc::SharedFD>& dmabufs, std::uint64_t flags)
{
    const dma_buf_sync sync{flags | DMA_BUF_SYNC_READ};
    for (const lc::SharedFD& fd : dmabufs) {
        int ret = 0;
        // Interrupted or busy: retry, a few times (this may run on libcamera's thread).
        for (int attempt = 0; attempt < 8; ++attempt) {
            ret = ioctl(fd.get(), DMA_BUF_IOCTL_SYNC, &sync);
            if (ret == 0 || (errno != EINTR && errno != EAGAIN))
                break;
        }
        if (ret < 0)
            warnSyncFailed(errno);
    }
}

// The pixels and requests of one opened camera. Frames keep it alive: their
// deleter requeues the request while the camera runs, and the mappings stay
// valid (a dmabuf mapping outlives its closed fd) until the last frame goes.
// dmabufs holds its own references to the fds, so that a frame still out when
// the allocator has gone can end its sync on the right file.
struct CameraSession {
    std::mutex mutex;
    bool running = false;
    std::shared_ptr<lc::Camera> camera;
    std::vector<std::unique_ptr<lc::Request>> requests;
    std::vector<std::pair<void*, std::size_t>> mappings;
    // The distinct dmabufs of each buffer; written before start, read-only after.
    std::map<const lc::FrameBuffer*, std::vector<lc::SharedFD>> dmabufs;

    ~CameraSession()
    {
        for (const auto& [address, length] : mappings)
            munmap(address, length);
    }

    void requeue(lc::Request* request)
    {
        std::lock_guard lock(mutex);
        if (!running)
            return;
        request->reuse(lc::Request::ReuseBuffers);
        camera->queueRequest(request);
    }
};

class LibcameraSource : public FrameSource {
public:
    LibcameraSource(std::shared_ptr<lc::CameraManager> manager, std::shared_ptr<lc::Camera> camera,
                    std::size_t index, int width, int height, double fps,
                    const CameraSettings& settings);
    ~LibcameraSource() override;

    StreamFormat format() const override { return format_; }
    std::string describe() const override { return description_; }
    void start(Callbacks callbacks) override;
    void stop() override;

private:
    void configure(int width, int height, double fps, const CameraSettings& settings);
    void mapBuffers();
    void onRequestCompleted(lc::Request* request);
    void onDisconnected();

    std::shared_ptr<lc::CameraManager> manager_;
    std::shared_ptr<CameraSession> session_ = std::make_shared<CameraSession>();
    lc::Camera& camera_;
    std::unique_ptr<lc::CameraConfiguration> config_;
    std::unique_ptr<lc::FrameBufferAllocator> allocator_;
    lc::Stream* stream_ = nullptr;
    std::unique_ptr<lc::ControlList> startControls_;
    std::map<const lc::FrameBuffer*, std::array<const std::uint8_t*, 3>> planes_;
    StreamFormat format_;
    StreamGeometry geometry_;
    std::string description_;
    Callbacks callbacks_;
    bool started_ = false;
    std::uint64_t sequence_ = 0; // touched by libcamera's thread only
    std::atomic<int> errorsInARow_{0};
};

LibcameraSource::LibcameraSource(std::shared_ptr<lc::CameraManager> manager,
                                 std::shared_ptr<lc::Camera> camera, std::size_t index, int width,
                                 int height, double fps, const CameraSettings& settings)
    : manager_(std::move(manager)), camera_(*camera)
{
    const std::string name = modelOf(camera_);
    if (camera_.acquire() < 0)
        throw std::runtime_error("camera " + std::to_string(index) + " (" + camera_.id() +
                                 ") is in use by another program; is pistream-server.service or "
                                 "rpicam-* running?");
    session_->camera = std::move(camera);
    configure(width, height, fps, settings);

    // The frame rate: a fixed frame duration within what this mode allows.
    const ControlLimits limits = limitsOf(camera_.controls());
    const std::vector<ControlSetting> plan = planControls(settings, limits);
    startControls_ = std::make_unique<lc::ControlList>(camera_.controls());
    for (const ControlSetting& setting : plan) {
        const lc::ControlId* id = findControl(camera_.controls(), setting.name);
        std::visit([&](auto value) { startControls_->set(id->id(), lc::ControlValue(value)); },
                   setting.value);
    }
    format_.width = geometry_.width;
    format_.height = geometry_.height;
    const auto durations = limits.find("FrameDurationLimits");
    if (durations != limits.end()) {
        const FrameTiming timing = frameTimingFor(fps, durations->second);
        if (timing.clamped)
            spdlog::warn("{:.3g} fps is not possible at {}x{}: streaming at {:.3g} fps", fps,
                         geometry_.width, geometry_.height, timing.fps);
        const std::int64_t duration = timing.durationMicros;
        startControls_->set(lc::controls::FrameDurationLimits,
                            lc::Span<const std::int64_t, 2>({duration, duration}));
        fps = timing.fps;
    } else {
        spdlog::warn("camera sets no frame rate (no FrameDurationLimits): it streams at its own");
    }
    format_.fpsNumerator = static_cast<std::uint32_t>(std::lround(fps * 1000));
    format_.fpsDenominator = 1000;

    mapBuffers();
    description_ =
        fmt::format("camera {} {} {}x{} {} @ {:.3g} fps", index, name.empty() ? camera_.id() : name,
                    geometry_.width, geometry_.height, formatName(format_.pixelFormat), fps);
}

void LibcameraSource::configure(int width, int height, double fps, const CameraSettings& settings)
{
    const std::vector<lc::StreamRole> roles{lc::StreamRole::VideoRecording};
    config_ = camera_.generateConfiguration(roles);
    if (!config_ || config_->empty())
        throw std::runtime_error("camera " + camera_.id() + " cannot stream video");
    lc::StreamConfiguration& stream = config_->at(0);
    std::vector<CameraFormatOffer> offers = offersOf(stream.formats());
    applyRates(offers, usbCameraRates(usbIdOf(camera_.id())));
    CameraFormatChoice choice;
    try {
        choice = chooseCameraFormat(offers, width, height, fps, settings.format);
    } catch (const std::runtime_error& error) {
        throw std::runtime_error("camera " + camera_.id() + ": " + error.what() + " (it lists " +
                                 allFormatsOf(stream.formats()) + ")");
    }
    format_.pixelFormat = choice.format;
    stream.pixelFormat = libcameraFormat(choice.format);
    stream.size = {static_cast<unsigned int>(choice.width),
                   static_cast<unsigned int>(choice.height)};
    stream.bufferCount = kBufferCount;
    // Full-range BT.601, the colour space JPEG (JFIF) itself uses: no
    // conversion. A webcam's MJPEG is JFIF already; its YUYV is what it is.
    if (choice.format == PixelFormat::Yuv420)
        stream.colorSpace = lc::ColorSpace::Sycc;
    const Flip flip = flipFor(settings);
    setFlip(*config_, flip);

    const auto status = config_->validate();
    if (status == lc::CameraConfiguration::Invalid)
        throw std::runtime_error("camera " + camera_.id() + " rejects " + stream.toString());
    if (stream.pixelFormat != libcameraFormat(choice.format))
        throw std::runtime_error("camera " + camera_.id() + " cannot deliver " +
                                 formatName(choice.format) + " at " + stream.size.toString() +
                                 " (libcamera offers " + stream.pixelFormat.toString() + ")");
    if (flipOf(*config_) != flip)
        spdlog::warn("camera cannot flip or rotate as asked: the picture is not flipped");
    if (choice.format == PixelFormat::Yuv420 && stream.colorSpace &&
        *stream.colorSpace != lc::ColorSpace::Sycc)
        spdlog::warn("camera delivers colour space {}, not sYCC: colours may be slightly off",
                     stream.colorSpace->toString());
    geometry_ = {static_cast<int>(stream.size.width), static_cast<int>(stream.size.height),
                 static_cast<int>(stream.stride)};
    for (const std::string& line : describeAdjustments(width, height, geometry_))
        spdlog::info("camera: {}", line);
    if (camera_.configure(config_.get()) < 0)
        throw std::runtime_error("camera " + camera_.id() + " cannot be configured for " +
                                 stream.toString());
    stream_ = stream.stream();
}

void LibcameraSource::mapBuffers()
{
    allocator_ = std::make_unique<lc::FrameBufferAllocator>(session_->camera);
    if (allocator_->allocate(stream_) < 0)
        throw std::runtime_error("cannot allocate camera buffers (is /dev/dma_heap accessible?)");
    const std::size_t lumaBytes =
        static_cast<std::size_t>(geometry_.stride) * static_cast<std::size_t>(geometry_.height);
    const std::size_t chromaBytes = static_cast<std::size_t>(geometry_.stride / 2) *
                                    static_cast<std::size_t>(chromaSize(geometry_.height));
    for (const std::unique_ptr<lc::FrameBuffer>& buffer : allocator_->buffers(stream_)) {
        // Map each dmabuf once, however many planes share it.
        std::map<int, std::size_t> lengths;
        for (const lc::FrameBuffer::Plane& plane : buffer->planes())
            lengths[plane.fd.get()] =
                std::max<std::size_t>(lengths[plane.fd.get()], plane.offset + plane.length);
        std::vector<lc::SharedFD>& dmabufs = session_->dmabufs[buffer.get()];
        for (const lc::FrameBuffer::Plane& plane : buffer->planes())
            if (std::none_of(dmabufs.begin(), dmabufs.end(),
                             [&](const lc::SharedFD& fd) { return fd.get() == plane.fd.get(); }))
                dmabufs.push_back(plane.fd);
        std::map<int, const std::uint8_t*> bases;
        for (const auto& [fd, length] : lengths) {
            void* address = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
            if (address == MAP_FAILED)
                throw std::runtime_error(std::string("cannot map a camera buffer: ") +
                                         std::strerror(errno));
            session_->mappings.emplace_back(address, length);
            bases[fd] = static_cast<const std::uint8_t*>(address);
        }
        std::array<const std::uint8_t*, 3> data{};
        const auto& planes = buffer->planes();
        if (format_.pixelFormat != PixelFormat::Yuv420) {
            data[0] = bases[planes[0].fd.get()] + planes[0].offset; // MJPEG, YUYV: one plane
        } else if (planes.size() >= 3) {
            for (std::size_t i = 0; i < 3; ++i)
                data[i] = bases[planes[i].fd.get()] + planes[i].offset;
        } else {
            // One plane holding all three, one after another.
            data[0] = bases[planes[0].fd.get()] + planes[0].offset;
            data[1] = data[0] + lumaBytes;
            data[2] = data[1] + chromaBytes;
        }
        planes_[buffer.get()] = data;

        std::unique_ptr<lc::Request> request = camera_.createRequest();
        if (!request || request->addBuffer(stream_, buffer.get()) < 0)
            throw std::runtime_error("cannot create a camera request");
        session_->requests.push_back(std::move(request));
    }
}

LibcameraSource::~LibcameraSource()
{
    stop();
    {
        std::lock_guard lock(session_->mutex);
        session_->requests.clear();
    }
    allocator_.reset(); // closes the dmabufs; frames still out keep their mappings
    config_.reset();
    camera_.release();
    session_->camera.reset();
}

void LibcameraSource::start(Callbacks callbacks)
{
    callbacks_ = std::move(callbacks);
    camera_.requestCompleted.connect(this, &LibcameraSource::onRequestCompleted);
    camera_.disconnected.connect(this, &LibcameraSource::onDisconnected);
    if (camera_.start(startControls_.get()) < 0)
        throw std::runtime_error("camera " + camera_.id() + " does not start");
    started_ = true;
    std::lock_guard lock(session_->mutex);
    session_->running = true;
    for (const std::unique_ptr<lc::Request>& request : session_->requests)
        if (camera_.queueRequest(request.get()) < 0)
            spdlog::error("camera refused a request");
}

void LibcameraSource::stop()
{
    if (!started_)
        return;
    {
        std::lock_guard lock(session_->mutex);
        session_->running = false;
    }
    // Completions run on libcamera's thread; stop() returns after the last.
    camera_.stop();
    camera_.requestCompleted.disconnect(this);
    camera_.disconnected.disconnect(this);
    started_ = false;
}

void LibcameraSource::onRequestCompleted(lc::Request* request)
{
    if (request->status() == lc::Request::RequestCancelled)
        return;
    const lc::FrameBuffer* buffer = request->findBuffer(stream_);
    if (buffer == nullptr || buffer->metadata().status != lc::FrameMetadata::FrameSuccess) {
        session_->requeue(request);
        if (++errorsInARow_ == kErrorsBeforeDown && callbacks_.onState)
            callbacks_.onState(SourceState::Down, fmt::format("{}: {} failed frames in a row",
                                                              description_, kErrorsBeforeDown));
        return;
    }
    const std::array<const std::uint8_t*, 3>& data = planes_.at(buffer);
    // Every CPU read of the buffer, the MJPEG header check included, comes
    // after SYNC_START; every way out ends the sync before the requeue.
    const std::vector<lc::SharedFD>* dmabufs = &session_->dmabufs.at(buffer);
    syncDmabufs(*dmabufs, DMA_BUF_SYNC_START);
    auto* frame = new RawFrame;
    frame->format = format_.pixelFormat;
    frame->width = geometry_.width;
    frame->height = geometry_.height;
    switch (format_.pixelFormat) {
    case PixelFormat::Yuv420:
        frame->planes = yuv420Planes(data, geometry_);
        break;
    case PixelFormat::Yuyv:
        frame->planes[0] = {data[0], geometry_.stride};
        break;
    case PixelFormat::Mjpeg: {
        // The camera's bytes go out as they are, so they get the same header
        // checks as any JPEG from outside: readable, of the size configured,
        // within the size bound. A bad one is skipped like a failed frame.
        const std::size_t used = buffer->metadata().planes()[0].bytesused;
        frame->jpeg = {data[0], std::min<std::size_t>(used, buffer->planes()[0].length)};
        JpegHeader header;
        const JpegSyntaxError error = readJpegHeader(frame->jpeg, header);
        if (error != JpegSyntaxError::None || header.width != geometry_.width ||
            header.height != geometry_.height ||
            frame->jpeg.size() > static_cast<std::size_t>(geometry_.width) *
                                         static_cast<std::size_t>(geometry_.height) * 3 +
                                     kJpegMarkerSlack) {
            static RareWarning badFrame("camera sent a frame that is not a usable JPEG");
            badFrame(error != JpegSyntaxError::None
                         ? pistream::describe(error)
                         : fmt::format("{}x{}, {} bytes", header.width, header.height,
                                       frame->jpeg.size()));
            delete frame;
            syncDmabufs(*dmabufs, DMA_BUF_SYNC_END);
            session_->requeue(request);
            if (++errorsInARow_ == kErrorsBeforeDown && callbacks_.onState)
                callbacks_.onState(SourceState::Down, fmt::format("{}: {} unusable frames in a row",
                                                                  description_, kErrorsBeforeDown));
            return;
        }
        break;
    }
    }
    errorsInARow_ = 0;
    frame->sequence = sequence_++;
    // The sensor's timestamp, so the latency viewers see starts at the sensor.
    const auto sensorNanos = request->metadata().get(lc::controls::SensorTimestamp);
    frame->captureMicros =
        sensorNanos ? sensorTimeToMonotonicMicros(*sensorNanos, monotonicMicros(), boottimeMicros())
                    : static_cast<std::int64_t>(buffer->metadata().timestamp / 1000);
    FramePtr lent(frame, [session = session_, request, dmabufs](const RawFrame* done) {
        delete done;
        syncDmabufs(*dmabufs, DMA_BUF_SYNC_END);
        session->requeue(request);
    });
    callbacks_.onFrame(std::move(lent));
}

void LibcameraSource::onDisconnected()
{
    if (callbacks_.onState)
        callbacks_.onState(SourceState::Down, description_ + ": camera disconnected");
}

} // namespace

std::string libcameraVersion()
{
    std::string version = lc::CameraManager::version();
    if (!version.empty() && version.front() == 'v')
        version.erase(0, 1);
    return version;
}

std::vector<CameraDescription> listCameras()
{
    const auto manager = cameraManager();
    std::vector<CameraDescription> list;
    for (const std::shared_ptr<lc::Camera>& camera : camerasInOrder(*manager)) {
        CameraDescription description;
        description.id = camera->id();
        description.model = modelOf(*camera);
        description.external = isExternal(*camera);

        const std::vector<lc::StreamRole> video{lc::StreamRole::VideoRecording};
        if (auto config = camera->generateConfiguration(video); config && !config->empty()) {
            const lc::StreamFormats& formats = config->at(0).formats();
            lc::SizeRange range = formats.range(lc::formats::YUV420);
            const std::vector<lc::Size> sizes = formats.sizes(lc::formats::YUV420);
            if (range.max.isNull() && !sizes.empty())
                range = lc::SizeRange(sizes.front(), sizes.back());
            description.minWidth = static_cast<int>(range.min.width);
            description.minHeight = static_cast<int>(range.min.height);
            description.maxWidth = static_cast<int>(range.max.width);
            description.maxHeight = static_cast<int>(range.max.height);
            std::vector<CameraFormatOffer> offers = offersOf(formats);
            applyRates(offers, usbCameraRates(usbIdOf(camera->id())));
            for (const CameraFormatOffer& offer : offers)
                if (offer.width > 0)
                    description.offers.push_back(offer);
        }
        if (description.external) {
            list.push_back(std::move(description)); // a webcam has no sensor modes to list
            continue;
        }

        // Sensor modes, and for each the fastest rate: configure the raw
        // stream at that size and read FrameDurationLimits, as rpicam-apps does.
        const bool acquired = camera->acquire() == 0;
        const std::vector<lc::StreamRole> rawRole{lc::StreamRole::Raw};
        if (auto raw = camera->generateConfiguration(rawRole); raw && !raw->empty()) {
            const lc::StreamFormats formats = raw->at(0).formats();
            std::set<std::tuple<unsigned int, unsigned int, int>> seen;
            for (const lc::PixelFormat& format : formats.pixelformats()) {
                for (const lc::Size& size : formats.sizes(format)) {
                    CameraMode mode{static_cast<int>(size.width), static_cast<int>(size.height),
                                    bitDepthOf(format), 0};
                    if (!seen.insert({size.width, size.height, mode.bitDepth}).second)
                        continue;
                    raw->at(0).pixelFormat = format;
                    raw->at(0).size = size;
                    if (acquired && raw->validate() != lc::CameraConfiguration::Invalid &&
                        camera->configure(raw.get()) == 0) {
                        const auto it = camera->controls().find(&lc::controls::FrameDurationLimits);
                        if (it != camera->controls().end() && numberOf(it->second.min()) > 0)
                            mode.maxFps = 1e6 / numberOf(it->second.min());
                    }
                    description.modes.push_back(mode);
                }
            }
        }
        if (acquired)
            camera->release();
        list.push_back(std::move(description));
    }
    return list;
}

bool cameraPresent()
{
    try {
        return !cameraManager()->cameras().empty();
    } catch (const std::exception& error) {
        spdlog::warn("{}", error.what());
        return false;
    }
}

std::unique_ptr<FrameSource> openCamera(const CameraSelector& selector, int width, int height,
                                        double fps, const CameraSettings& settings)
{
    auto manager = cameraManager();
    const std::vector<std::shared_ptr<lc::Camera>> cameras = camerasInOrder(*manager);
    if (cameras.empty())
        throw std::runtime_error(noCameraMessage());
    std::vector<std::string> ids;
    for (const auto& camera : cameras)
        ids.push_back(camera->id());
    const std::size_t index = pickCamera(ids, selector);
    return std::make_unique<LibcameraSource>(std::move(manager), cameras[index], index, width,
                                             height, fps, settings);
}

} // namespace pistream
