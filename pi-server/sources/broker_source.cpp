#include "sources/broker_source.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "core/clock.h"

namespace pistream {

namespace {

// How long one receive() waits for a message before the thread looks at the
// clock (stalls) and at stop requests.
constexpr auto kReceiveWait = std::chrono::milliseconds(100);

std::string millisText(std::chrono::steady_clock::duration duration)
{
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) +
           " ms";
}

} // namespace

BrokerSource::BrokerSource(PublishTarget target, std::unique_ptr<BrokerSubscriber> subscriber,
                           const BrokerSourceConfig& config)
    : target_(std::move(target)),
      // The URL without the publishers' ?format and ?qos, which do not apply here.
      name_(target_.describe().substr(0, target_.describe().find('?'))),
      subscriber_(std::move(subscriber)), config_(config),
      redis_(target_.kind == PublishTarget::Kind::Redis), badLog_(config.logEvery),
      brokerLog_(config.logEvery)
{
    format_.pixelFormat = PixelFormat::Mjpeg;
    format_.fpsNumerator = static_cast<std::uint32_t>(std::lround(config_.fps * 1000));
    format_.fpsDenominator = 1000;

    const std::stop_token never;
    if (BrokerError error = subscriber_->connect(never))
        throw std::runtime_error("--source " + name_ + ": cannot connect: " + *error);
    const auto deadline = Clock::now() + config_.firstFrameTimeout;
    while (!first_) {
        if (Clock::now() >= deadline) {
            std::string why = "--source " + name_ + ": no usable frame within " +
                              millisText(config_.firstFrameTimeout) +
                              " (is anything publishing JPEGs there?)";
            const BrokerSourceStats seen = stats();
            if (seen.bad + seen.oversized > 0)
                why += "; " + std::to_string(seen.bad + seen.oversized) +
                       " bad messages, the last: " + seen.lastError;
            throw std::runtime_error(why);
        }
        BrokerMessages messages;
        if (BrokerError error = subscriber_->receive(kReceiveWait, messages))
            throw std::runtime_error("--source " + name_ + ": lost the broker: " + *error);
        take(messages);
        if (messages.newest)
            first_ = accept(std::move(*messages.newest));
    }
    format_.width = first_->width;
    format_.height = first_->height;
    fixedSize_ = true;
}

BrokerSource::~BrokerSource()
{
    stop();
    subscriber_->disconnect();
}

std::string BrokerSource::describe() const
{
    std::ostringstream text;
    text << (redis_                                       ? "redis channel "
             : target_.kind == PublishTarget::Kind::Kafka ? "kafka topic "
                                                          : "mqtt topic ")
         << name_ << " " << format_.width << "x" << format_.height
         << (redis_ ? ", MXCuBE JSON" : ", JPEG or base64 payloads") << ", not re-encoded";
    return text.str();
}

void BrokerSource::start(Callbacks callbacks)
{
    if (worker_.joinable())
        return;
    callbacks_ = std::move(callbacks);
    if (callbacks_.onState)
        callbacks_.onState(SourceState::Live, describe());
    worker_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void BrokerSource::stop()
{
    if (!worker_.joinable())
        return;
    worker_.request_stop();
    worker_.join();
}

BrokerSourceStats BrokerSource::stats() const
{
    BrokerSourceStats stats;
    stats.frames = frames_.load();
    stats.bad = bad_.load();
    stats.skipped = skipped_.load();
    stats.oversized = oversized_.load();
    stats.reconnects = reconnects_.load();
    std::lock_guard lock(errorMutex_);
    stats.lastError = lastError_;
    return stats;
}

void BrokerSource::take(const BrokerMessages& messages)
{
    skipped_ += messages.replaced;
    if (messages.oversized > 0) {
        oversized_ += messages.oversized;
        noteError("skipped " + std::to_string(messages.oversized) + " message(s) over " +
                      std::to_string(config_.maxPayload) + " bytes",
                  badLog_);
    }
}

FramePtr BrokerSource::accept(std::vector<std::uint8_t> message)
{
    PayloadError error = redis_ ? decodeMxcubePayload(message) : decodeJpegPayload(message);
    JpegSize size;
    if (!error)
        error = checkJpeg(message, size);
    if (!error && fixedSize_ && (size.width != format_.width || size.height != format_.height))
        error = "a " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                " frame in a " + std::to_string(format_.width) + "x" +
                std::to_string(format_.height) + " stream";
    if (error) {
        ++bad_;
        noteError("skipped a bad message: " + *error, badLog_);
        return nullptr;
    }

    // The frame owns its JPEG: one allocation for both, no copy.
    struct Owned {
        std::vector<std::uint8_t> jpeg;
        RawFrame frame;
    };
    auto owned = std::make_shared<Owned>();
    owned->jpeg = std::move(message);
    RawFrame& frame = owned->frame;
    frame.format = PixelFormat::Mjpeg;
    frame.width = size.width;
    frame.height = size.height;
    frame.jpeg = owned->jpeg;
    frame.sequence = sequence_++;
    frame.captureMicros = monotonicMicros(); // when it came: the payload's own clock is the peer's
    return FramePtr(owned, &owned->frame);
}

void BrokerSource::run(const std::stop_token& stop)
{
    ReconnectPolicy policy(config_.reconnect);
    bool connected = true; // by the constructor
    lastFrame_ = Clock::now();
    if (first_)
        deliver(std::move(first_));
    while (!stop.stop_requested()) {
        if (!connected) {
            if (!policy.due(Clock::now())) {
                std::unique_lock lock(waitMutex_);
                wake_.wait_until(lock, stop, policy.nextAttempt(), [] { return false; });
                continue;
            }
            if (BrokerError error = subscriber_->connect(stop)) {
                subscriber_->disconnect();
                if (stop.stop_requested())
                    break;
                const auto wait = policy.failed(Clock::now());
                noteError("cannot connect: " + *error + "; next try in " +
                              std::to_string(wait.count()) + " ms",
                          brokerLog_);
                continue;
            }
            policy.connected();
            connected = true;
            ++reconnects_;
            spdlog::info("source {}: connected again", name_);
            lastFrame_ = Clock::now(); // a full window for the publisher's next frame
            continue;
        }

        BrokerMessages messages;
        const BrokerError error = subscriber_->receive(kReceiveWait, messages);
        take(messages);
        if (messages.newest) {
            if (FramePtr frame = accept(std::move(*messages.newest)))
                deliver(std::move(frame));
        }
        if (error) {
            connected = false;
            subscriber_->disconnect();
            policy.lost(Clock::now());
            {
                std::lock_guard lock(errorMutex_);
                lastError_ = "lost the broker: " + *error;
            }
            reportDown("lost the broker " + name_ + ": " + *error + "; reconnecting");
            continue;
        }
        const auto silent = Clock::now() - lastFrame_;
        if (!down_ && silent >= config_.stallAfter)
            reportDown("no frame for " + millisText(silent) + " from " + name_);
    }
}

void BrokerSource::deliver(FramePtr frame)
{
    lastFrame_ = Clock::now();
    ++frames_;
    if (down_) {
        down_ = false;
        spdlog::info("source is back: {}", name_);
        if (callbacks_.onState)
            callbacks_.onState(SourceState::Live, "source is back: " + describe());
    }
    if (callbacks_.onFrame)
        callbacks_.onFrame(std::move(frame));
}

void BrokerSource::reportDown(const std::string& why)
{
    if (down_)
        return;
    down_ = true;
    spdlog::warn("source is down: {}", why);
    if (callbacks_.onState)
        callbacks_.onState(SourceState::Down, why);
}

void BrokerSource::noteError(const std::string& what, LogThrottle& throttle)
{
    {
        std::lock_guard lock(errorMutex_);
        lastError_ = what;
    }
    if (!throttle.allow(Clock::now()))
        return;
    if (throttle.suppressed() > 0)
        spdlog::warn("source {}: {} ({} more like it since the last line)", name_, what,
                     throttle.suppressed());
    else
        spdlog::warn("source {}: {}", name_, what);
}

} // namespace pistream
