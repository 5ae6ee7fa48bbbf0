#include "notify/notifiers.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace pistream {

Notifiers::Notifiers(FrameHub& hub, std::string camera, const NotifyConfig& config)
{
    if (config.mqtt) {
#ifdef PISTREAM_HAVE_MOSQUITTO
        notifiers_.push_back(std::make_unique<MqttNotifier>(hub, camera, *config.mqtt));
#else
        throw std::runtime_error("--mqtt: this build has no MQTT (built without libmosquitto-dev)");
#endif
    }
    (void)hub;
    for (const WebhookConfig& webhook : config.webhooks) {
#ifdef PISTREAM_HAVE_CURL
        notifiers_.push_back(std::make_unique<WebhookNotifier>(camera, webhook));
#else
        (void)webhook;
        throw std::runtime_error("--webhook: this build has no HTTP client (built without "
                                 "libcurl4-openssl-dev)");
#endif
    }
}

Notifiers::~Notifiers()
{
    stop();
}

void Notifiers::attach(MotionMonitor& motion)
{
    for (const auto& notifier : notifiers_)
        motion.addListener(*notifier);
}

void Notifiers::start()
{
    for (const auto& notifier : notifiers_)
        notifier->start();
}

void Notifiers::stop()
{
    for (const auto& notifier : notifiers_)
        notifier->stop();
}

nlohmann::json Notifiers::status() const
{
    nlohmann::json list = nlohmann::json::array();
    for (const auto& notifier : notifiers_)
        list.push_back(notifier->status());
    return list;
}

} // namespace pistream
