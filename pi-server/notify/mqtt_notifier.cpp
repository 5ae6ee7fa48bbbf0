#include "notify/mqtt_notifier.h"

#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "core/version.h"

namespace pistream {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kMqttIdleWait = std::chrono::milliseconds(100);
constexpr auto kNotifyAckWait = std::chrono::milliseconds(20);
constexpr auto kGoodbyeWait = std::chrono::seconds(2);

std::span<const std::uint8_t> bytesOf(const std::string& text)
{
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

} // namespace

MqttNotifier::MqttNotifier(FrameHub& hub, std::string name, MqttNotifyConfig config)
    : hub_(hub), topics_(std::move(name), config.broker.topic, config.discoveryPrefix),
      config_(std::move(config)), where_(config_.broker.describe()), client_(config_.broker),
      queue_(config_.queueMessages), errorLog_(config_.logEvery)
{
    const MqttMessage offline = topics_.availability(false);
    client_.setWill(offline.topic, offline.payload);
}

MqttNotifier::~MqttNotifier()
{
    stop();
}

void MqttNotifier::start()
{
    if (worker_.joinable())
        return;
    spdlog::info("mqtt {}: motion on {}, Home Assistant discovery under {}/", where_,
                 topics_.motionTopic(), config_.discoveryPrefix);
    worker_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void MqttNotifier::stop()
{
    if (!worker_.joinable())
        return;
    worker_.request_stop();
    queue_.wake();
    worker_.join();
}

nlohmann::json MqttNotifier::status() const
{
    std::lock_guard lock(errorMutex_);
    return {{"kind", "mqtt"},
            {"target", where_},
            {"topic", topics_.motionTopic()},
            {"connected", connected_.load()},
            {"sent", sent_.load()},
            {"dropped", dropped_.load()},
            {"connections", connections_.load()},
            {"lastError", lastError_}};
}

void MqttNotifier::onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change)
{
    if (change == MotionEvents::Change::Started) {
        motion_ = true;
        dropped_ += queue_.push(topics_.motion(true));
        // The picture at the start: the newest frame, encoded for viewers anyway.
        if (const EncodedFramePtr& frame = hub_.latest(); frame && !frame->jpeg.empty())
            dropped_ +=
                queue_.push(topics_.snapshot(std::string(frame->jpeg.begin(), frame->jpeg.end())));
    } else if (change == MotionEvents::Change::Ended) {
        motion_ = false;
        dropped_ += queue_.push(topics_.motion(false));
    }
    dropped_ += queue_.push(topics_.event(event, change));
}

BrokerError MqttNotifier::send(const MqttMessage& message)
{
    BrokerError error =
        client_.publish(message.topic, bytesOf(message.payload), message.qos, message.retain);
    while (!error && !client_.ready())
        error = client_.service(kNotifyAckWait);
    if (!error)
        ++sent_;
    return error;
}

BrokerError MqttNotifier::sendRetainedState()
{
    for (const MqttMessage& message : topics_.discovery(kVersion))
        if (BrokerError error = send(message))
            return error;
    if (BrokerError error = send(topics_.availability(true)))
        return error;
    return send(topics_.motion(motion_.load()));
}

void MqttNotifier::run(const std::stop_token& stop)
{
    ReconnectPolicy policy(config_.reconnect);
    while (!stop.stop_requested()) {
        if (!connected_.load()) {
            if (!policy.due(Clock::now())) {
                // Events keep queueing meanwhile (the newest few are sent later).
                std::this_thread::sleep_until(
                    std::min(policy.nextAttempt(), Clock::now() + kMqttIdleWait));
                continue;
            }
            BrokerError error = client_.connect(stop);
            if (!error)
                error = sendRetainedState();
            if (error) {
                client_.disconnect();
                if (stop.stop_requested())
                    break;
                const auto wait = policy.failed(Clock::now());
                logError("cannot connect: " + *error + "; next try in " +
                         std::to_string(wait.count()) + " ms");
                continue;
            }
            policy.connected();
            if (connections_++ == 0 || errorLog_.allow(Clock::now()))
                spdlog::info("mqtt {}: connected{}", where_, connections_ > 1 ? " again" : "");
            connected_ = true;
            continue;
        }
        BrokerError error;
        if (const auto message = queue_.pop(Clock::now() + kMqttIdleWait))
            error = send(*message);
        if (!error)
            error = client_.service(std::chrono::milliseconds(0));
        if (error) {
            connected_ = false;
            client_.disconnect();
            policy.lost(Clock::now());
            logError("lost the broker: " + *error);
        }
    }
    if (connected_.load()) {
        // A clean goodbye: "offline" ourselves (the will is only for a DISCONNECT that never came).
        const auto deadline = Clock::now() + kGoodbyeWait;
        const MqttMessage offline = topics_.availability(false);
        BrokerError error = client_.publish(offline.topic, bytesOf(offline.payload), 1, true);
        while (!error && !client_.ready() && Clock::now() < deadline)
            error = client_.service(kNotifyAckWait);
        connected_ = false;
    }
    client_.disconnect();
}

void MqttNotifier::logError(const std::string& what)
{
    {
        std::lock_guard lock(errorMutex_);
        lastError_ = what;
    }
    if (!errorLog_.allow(Clock::now()))
        return;
    if (errorLog_.suppressed() > 0)
        spdlog::warn("mqtt {}: {} ({} more since the last line)", where_, what,
                     errorLog_.suppressed());
    else
        spdlog::warn("mqtt {}: {}", where_, what);
}

} // namespace pistream
