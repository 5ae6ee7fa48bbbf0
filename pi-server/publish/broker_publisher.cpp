#include "publish/broker_publisher.h"

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

namespace pistream {

namespace {

using Clock = std::chrono::steady_clock;
// How long the worker waits for a frame before tending the connection.
constexpr auto kIdleWait = std::chrono::milliseconds(100);
constexpr auto kAckWait = std::chrono::milliseconds(20);

} // namespace

BrokerPublisher::BrokerPublisher(asio::io_context& io, FrameHub& hub, PublishTarget target,
                                 std::unique_ptr<BrokerClient> client,
                                 const PublisherConfig& config)
    : io_(io), target_(std::move(target)), name_(target_.describe()), client_(std::move(client)),
      config_(config), subscription_(hub.subscribe(*this, false)), rateLimit_(target_.fps),
      queue_(config.queueFrames), errorLog_(config.logEvery), connectLog_(config.logEvery)
{}

BrokerPublisher::~BrokerPublisher()
{
    stop();
    alive_.reset();
}

void BrokerPublisher::start()
{
    if (worker_.joinable())
        return;
    if (target_.fps > 0)
        spdlog::info("publish {}: at most {:g} frames a second, {} queued at most", name_,
                     target_.fps, config_.queueFrames);
    else
        spdlog::info("publish {}: every frame, {} queued at most", name_, config_.queueFrames);
    worker_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void BrokerPublisher::stop()
{
    if (!worker_.joinable())
        return;
    worker_.request_stop();
    queue_.wake();
    worker_.join();
    connected_ = false;
    subscription_.want(false);
}

PublisherStats BrokerPublisher::stats() const
{
    PublisherStats stats;
    stats.target = name_;
    stats.connected = connected_.load();
    stats.published = published_.load();
    stats.bytes = bytes_.load();
    stats.dropped = dropped_.load();
    stats.reconnects = reconnects_.load();
    std::lock_guard lock(errorMutex_);
    stats.lastError = lastError_;
    return stats;
}

void BrokerPublisher::onFrame(const EncodedFramePtr& frame)
{
    if (!connected_.load() || !rateLimit_.admit(frame->header.captureMicros))
        return;
    dropped_ += queue_.push(frame);
}

void BrokerPublisher::run(const std::stop_token& stop)
{
    ReconnectPolicy policy(config_.reconnect);
    bool connectedBefore = false;
    bool failedBefore = false;
    while (!stop.stop_requested()) {
        if (!connected_.load()) {
            if (!policy.due(Clock::now())) {
                // A wait that stop() ends; a frame queued as the connection
                // was lost is not sent.
                if (queue_.pop(policy.nextAttempt()))
                    ++dropped_;
                continue;
            }
            if (BrokerError error = client_->connect(stop)) {
                client_->disconnect();
                if (stop.stop_requested())
                    break;
                const auto wait = policy.failed(Clock::now());
                failedBefore = true;
                logError("cannot connect: " + *error + "; next try in " +
                         std::to_string(wait.count()) + " ms");
                continue;
            }
            policy.connected();
            if (connectedBefore || failedBefore)
                ++reconnects_;
            if (connectLog_.allow(Clock::now()))
                spdlog::info("publish {}: connected{}", name_, connectedBefore ? " again" : "");
            connectedBefore = true;
            setConnected(true);
            continue;
        }
        BrokerError error;
        if (client_->ready()) {
            if (const auto frame = queue_.pop(Clock::now() + kIdleWait)) {
                error = client_->publish(**frame);
                if (!error) {
                    ++published_;
                    bytes_ += (*frame)->jpeg.size();
                }
            }
            if (!error)
                error = client_->service(std::chrono::milliseconds(0));
        } else {
            error = client_->service(kAckWait);
        }
        if (error) {
            setConnected(false);
            dropped_ += queue_.clear();
            client_->disconnect();
            policy.lost(Clock::now());
            logError("lost the broker: " + *error);
        }
    }
    client_->disconnect();
}

void BrokerPublisher::setConnected(bool connected)
{
    connected_ = connected;
    // Want frames encoded only while they can be sent. The subscription is
    // the io thread's.
    asio::post(io_, [this, alive = std::weak_ptr<char>(alive_)] {
        if (alive.lock())
            subscription_.want(connected_.load());
    });
}

void BrokerPublisher::logError(const std::string& what)
{
    {
        std::lock_guard lock(errorMutex_);
        lastError_ = what;
    }
    if (!errorLog_.allow(Clock::now()))
        return;
    if (errorLog_.suppressed() > 0)
        spdlog::warn("publish {}: {} ({} more broker errors since the last line)", name_, what,
                     errorLog_.suppressed());
    else
        spdlog::warn("publish {}: {}", name_, what);
}

} // namespace pistream
