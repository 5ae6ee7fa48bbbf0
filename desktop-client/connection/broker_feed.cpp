#include "connection/broker_feed.h"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "broker/broker_payload.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/host_name.h"

namespace pistream {

namespace {

// How long one receive() waits: also how soon a stop is noticed.
constexpr auto kReceiveWait = std::chrono::milliseconds(250);
// Oversized messages logged one by one, then a line per 100.
constexpr std::uint64_t kLoggedOversized = 5;

// A Kafka consumer group of this viewer's own, so it gets every frame
// whatever else reads the topic (a server's group, other viewers).
std::string viewerGroup()
{
    return "pistream-viewer-" + hostName() + "-" + std::to_string(::getpid());
}

std::int64_t unixMicros()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

BrokerFeed::BrokerFeed(asio::io_context& io, const ClientConfig& config, FeedHandlers handlers)
    : io_(io), target_(config.broker.value()), maxPayload_(config.maxMessage),
      handlers_(std::move(handlers)),
      subscriber_(makeBrokerSubscriber(target_, config.maxMessage, viewerGroup()))
{}

BrokerFeed::~BrokerFeed()
{
    thread_.request_stop();
}

void BrokerFeed::start()
{
    thread_ = std::jthread(
        [this, weak = weak_from_this()](const std::stop_token& stop) { run(stop, weak); });
}

void BrokerFeed::stop(const std::string& reason)
{
    if (closed_)
        return;
    closed_ = true;
    thread_.request_stop();
    // Later, as StreamClient's: the owner that stops us finishes first (the
    // pipeline ending does not hear of a connection to make again).
    asio::post(io_, [self = shared_from_this(), reason] {
        if (self->handlers_.onClosed)
            self->handlers_.onClosed(reason, false);
    });
}

// The subscriber's thread: connect, then take messages until the broker goes
// away or the feed stops. Only weak references go to the io thread, so the
// feed is never destroyed on this thread (its destructor joins it).
void BrokerFeed::run(const std::stop_token& stop, const std::weak_ptr<BrokerFeed>& weak)
{
    BrokerError error = subscriber_->connect(stop);
    if (!error)
        spdlog::info("subscribed to {}", target_.describeSource());
    if (!error && handlers_.onConnected)
        asio::post(io_, [weak] {
            if (auto self = weak.lock(); self && !self->closed_)
                self->handlers_.onConnected();
        });
    std::uint64_t sequence = 0;
    while (!error && !stop.stop_requested()) {
        BrokerMessages messages;
        error = subscriber_->receive(kReceiveWait, messages);
        // Messages replaced before they were read are gaps in the numbering.
        sequence += messages.replaced + messages.oversized;
        if (!messages.newest && messages.oversized == 0)
            continue;
        bool post = false;
        {
            std::lock_guard lock(mutex_);
            oversized_ += messages.oversized;
            if (messages.newest)
                pending_ = Pending{std::move(*messages.newest), ++sequence, monotonicMicros(),
                                   messages.newestCapture};
            post = !std::exchange(posted_, true);
        }
        if (post)
            asio::post(io_, [weak] {
                if (auto self = weak.lock())
                    self->deliver();
            });
    }
    subscriber_->disconnect();
    if (stop.stop_requested())
        return;
    asio::post(io_, [weak, reason = error.value_or("the subscription ended")] {
        if (auto self = weak.lock())
            self->close(reason, true);
    });
}

void BrokerFeed::deliver()
{
    std::optional<Pending> message;
    std::uint64_t oversized = 0;
    {
        std::lock_guard lock(mutex_);
        message.swap(pending_);
        oversized = std::exchange(oversized_, 0);
        posted_ = false;
    }
    if (closed_)
        return;
    // Never read whole (MQTT 5 brokers do not even send them): they are gaps
    // in the numbering, and said so in the log now and then.
    if (oversized > 0) {
        const std::uint64_t before = oversizedSeen_;
        oversizedSeen_ += oversized;
        if (before < kLoggedOversized || before / 100 != oversizedSeen_ / 100)
            spdlog::warn("{}: {} message(s) over the cap of {} bytes skipped ({} in all)",
                         target_.describeSource(), oversized, maxPayload_, oversizedSeen_);
    }
    if (!message)
        return;

    ReceivedFrame frame;
    std::vector<std::uint8_t>& payload = message->payload;
    frame.header.sequence = message->sequence;
    frame.header.width = width_;
    frame.header.height = height_;
    frame.receivedMicros = message->receivedMicros;
    // A message that is no picture has no capture time of its own: the last
    // good one's keeps the stream's timestamps in order.
    frame.header.captureMicros = frame.header.readyMicros =
        lastCapture_ ? lastCapture_ : frame.receivedMicros;
    frame.wireBytes = payload.size();
    PayloadError error = target_.kind == PublishTarget::Kind::Redis ? decodeMxcubePayload(payload)
                                                                    : decodeJpegPayload(payload);
    JpegSize size;
    if (!error)
        error = checkJpeg(payload, size);
    if (error) {
        frame.pictureError = Errc::BadJpeg;
        frame.pictureReason = std::move(*error);
        handlers_.onFrame(frame);
        return;
    }
    // checkJpeg allows at most 65535 a side.
    width_ = static_cast<std::uint16_t>(size.width);
    height_ = static_cast<std::uint16_t>(size.height);
    if (!helloSent_) {
        helloSent_ = true;
        Hello hello;
        hello.width = width_;
        hello.height = height_;
        hello.fpsNumerator = 0; // as they are published
        hello.name = target_.topic;
        if (handlers_.onHello)
            handlers_.onHello(hello);
        if (closed_)
            return;
    }
    frame.header.captureMicros = frame.receivedMicros;
    if (message->capture) {
        if (!clock_.offsetMicros()) {
            const std::int64_t now = monotonicMicros();
            clock_.addSample(now, unixMicros(), now);
        }
        frame.header.captureMicros = *message->capture;
    }
    frame.header.readyMicros = lastCapture_ = frame.header.captureMicros;
    frame.header.width = width_;
    frame.header.height = height_;
    frame.header.jpegLength = static_cast<std::uint32_t>(payload.size());
    frame.pictureError = {};
    frame.pictureReason.clear();
    frame.jpeg = payload;
    handlers_.onFrame(frame);
}

void BrokerFeed::close(const std::string& reason, bool byServer)
{
    if (closed_)
        return;
    closed_ = true;
    thread_.request_stop();
    if (handlers_.onClosed)
        handlers_.onClosed(reason, byServer);
}

} // namespace pistream
