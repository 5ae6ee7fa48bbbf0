#include "broker/mqtt_session.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mosquitto.h>
#include <mutex>
#include <unistd.h>

namespace pistream {

std::string mosquittoErrorText(int code)
{
    if (code == MOSQ_ERR_ERRNO)
        return std::strerror(errno);
    return mosquitto_strerror(code);
}

mosquitto* newMosquitto(std::string_view prefix, void* self, int protocol,
                        const PublishTarget& target, std::string& error)
{
    static std::once_flag once;
    std::call_once(once, [] { mosquitto_lib_init(); });
    static std::atomic<int> count{0};
    const std::string id =
        (std::string(prefix) + "-" + std::to_string(getpid()) + "-" + std::to_string(count++))
            .substr(0, 23);
    mosquitto* mosq = mosquitto_new(id.c_str(), true, self);
    if (!mosq) {
        error = "mosquitto_new: " + std::string(std::strerror(errno));
        return nullptr;
    }
    mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, protocol);
    if (!target.user.empty())
        mosquitto_username_pw_set(mosq, target.user.c_str(),
                                  target.password.empty() ? nullptr : target.password.c_str());
    return mosq;
}

void closeMosquitto(mosquitto*& mosq, bool connected)
{
    if (!mosq)
        return;
    if (connected)
        mosquitto_disconnect(mosq);
    mosquitto_destroy(mosq);
    mosq = nullptr;
}

} // namespace pistream
