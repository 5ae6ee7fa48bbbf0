#include "discovery/service_announcer.h"

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>
#include <avahi-common/timeval.h>

#include <spdlog/spdlog.h>

namespace pistream {

namespace {

// How long a client that could not reach D-Bus, or whose services failed,
// waits before it is made again.
constexpr int kRetrySeconds = 30;

std::string avahiError(int error)
{
    return avahi_strerror(error);
}

} // namespace

struct ServiceAnnouncer::Callbacks {
    static void client(AvahiClient* client, AvahiClientState state, void* self)
    {
        static_cast<ServiceAnnouncer*>(self)->onClientState(client, state);
    }
    static void group(AvahiEntryGroup* group, AvahiEntryGroupState state, void* self)
    {
        static_cast<ServiceAnnouncer*>(self)->onGroupState(group, state);
    }
    static void retry(AvahiTimeout*, void* self)
    {
        auto* announcer = static_cast<ServiceAnnouncer*>(self);
        announcer->dropClient();
        announcer->connect();
    }
};

ServiceAnnouncer::ServiceAnnouncer(Announcement announcement)
    : announcement_(std::move(announcement)), serviceName_(announcement_.name)
{}

ServiceAnnouncer::~ServiceAnnouncer()
{
    stop();
}

void ServiceAnnouncer::start()
{
    if (poll_)
        return;
    poll_ = avahi_threaded_poll_new();
    if (!poll_) {
        spdlog::warn("not announced on the network: avahi could not make its poll thread");
        return;
    }
    connect(); // before the thread runs: no lock needed
    if (avahi_threaded_poll_start(poll_) < 0) {
        spdlog::warn("not announced on the network: avahi could not start its thread");
        dropClient();
        avahi_threaded_poll_free(poll_);
        poll_ = nullptr;
        return;
    }
    running_ = true;
}

void ServiceAnnouncer::stop()
{
    if (!poll_)
        return;
    if (running_)
        avahi_threaded_poll_stop(poll_); // joins Avahi's thread
    running_ = false;
    if (retry_) {
        avahi_threaded_poll_get(poll_)->timeout_free(retry_);
        retry_ = nullptr;
    }
    dropClient(); // frees the entry group: the daemon withdraws the services
    avahi_threaded_poll_free(poll_);
    poll_ = nullptr;
}

void ServiceAnnouncer::connect()
{
    int error = 0;
    // The callback may run inside avahi_client_new, before client_ is set:
    // everything it does uses the client it is given.
    client_ = avahi_client_new(avahi_threaded_poll_get(poll_), AVAHI_CLIENT_NO_FAIL,
                               Callbacks::client, this, &error);
    if (!client_) {
        warnOnce("not announced on the network: avahi: " + avahiError(error) +
                 " (is the D-Bus system bus running?); trying again every " +
                 std::to_string(kRetrySeconds) + " s");
        retryLater(kRetrySeconds);
    }
}

void ServiceAnnouncer::dropClient()
{
    if (client_)
        avahi_client_free(client_); // frees its entry groups too
    client_ = nullptr;
    group_ = nullptr;
}

void ServiceAnnouncer::retryLater(int seconds)
{
    const AvahiPoll* api = avahi_threaded_poll_get(poll_);
    timeval when{};
    avahi_elapse_time(&when, static_cast<unsigned>(seconds) * 1000u, 0);
    if (retry_)
        api->timeout_update(retry_, &when);
    else
        retry_ = api->timeout_new(api, &when, Callbacks::retry, this);
}

void ServiceAnnouncer::warnOnce(const std::string& line)
{
    if (warned_) {
        spdlog::debug("{}", line);
        return;
    }
    warned_ = true;
    spdlog::warn("{}", line);
}

void ServiceAnnouncer::onClientState(AvahiClient* client, int state)
{
    switch (state) {
    case AVAHI_CLIENT_S_RUNNING:
        announce(client);
        break;
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
        // The daemon's host name changed or clashed: it registers again, and
        // so do we once it runs.
        if (group_)
            avahi_entry_group_reset(group_);
        break;
    case AVAHI_CLIENT_CONNECTING:
        warnOnce("avahi-daemon is not running: not announced on the network until it starts");
        break;
    case AVAHI_CLIENT_FAILURE:
    default: {
        const int error = avahi_client_errno(client);
        if (error == AVAHI_ERR_DISCONNECTED) {
            // The daemon (or D-Bus) went away. The client cannot be freed
            // inside its own callback: a new one is made from the poll.
            if (announced_)
                spdlog::info("avahi-daemon went away: announcing again when it is back");
            warned_ = true; // its restart is no news worth a warning
            retryLater(0);
        } else {
            warnOnce("not announced on the network: avahi: " + avahiError(error));
            retryLater(kRetrySeconds);
        }
        break;
    }
    }
}

void ServiceAnnouncer::announce(AvahiClient* client)
{
    if (!group_) {
        group_ = avahi_entry_group_new(client, Callbacks::group, this);
        if (!group_) {
            warnOnce("not announced on the network: avahi: " +
                     avahiError(avahi_client_errno(client)));
            return;
        }
    }
    if (!avahi_entry_group_is_empty(group_))
        return; // already announced, or being
    const AvahiProtocol protocol = announcement_.ipv4Only ? AVAHI_PROTO_INET : AVAHI_PROTO_UNSPEC;

    AvahiStringList* txt = nullptr;
    for (const std::string& record : announcementTxt(announcement_))
        txt = avahi_string_list_add(txt, record.c_str());
    txt = avahi_string_list_reverse(txt);
    int result = avahi_entry_group_add_service_strlst(
        group_, AVAHI_IF_UNSPEC, protocol, AvahiPublishFlags{}, serviceName_.c_str(),
        kStreamServiceType, nullptr, nullptr, announcement_.streamPort, txt);
    avahi_string_list_free(txt);
    if (result >= 0 && announcement_.httpPort)
        result = avahi_entry_group_add_service(
            group_, AVAHI_IF_UNSPEC, protocol, AvahiPublishFlags{}, serviceName_.c_str(),
            announcement_.https ? kHttpsServiceType : kHttpServiceType, nullptr, nullptr,
            *announcement_.httpPort, "path=/", nullptr);
    if (result >= 0)
        result = avahi_entry_group_commit(group_);
    if (result == AVAHI_ERR_COLLISION) {
        rename();
        return;
    }
    if (result < 0) {
        warnOnce("not announced on the network: avahi: " + avahiError(result));
        avahi_entry_group_reset(group_);
    }
}

void ServiceAnnouncer::rename()
{
    char* alternative = avahi_alternative_service_name(serviceName_.c_str());
    if (!alternative)
        return;
    spdlog::warn("the name '{}' is taken on the network: announcing as '{}'", serviceName_,
                 alternative);
    serviceName_ = alternative;
    avahi_free(alternative);
    AvahiClient* client = avahi_entry_group_get_client(group_);
    avahi_entry_group_reset(group_);
    announce(client);
}

void ServiceAnnouncer::onGroupState(AvahiEntryGroup* group, int state)
{
    group_ = group; // the same group; set already unless this runs inside avahi_entry_group_new
    switch (state) {
    case AVAHI_ENTRY_GROUP_ESTABLISHED: {
        std::string ports = std::string(kStreamServiceType) + " on port " +
                            std::to_string(announcement_.streamPort);
        if (announcement_.httpPort)
            ports += std::string(", ") +
                     (announcement_.https ? kHttpsServiceType : kHttpServiceType) + " on " +
                     std::to_string(*announcement_.httpPort);
        spdlog::info("announced{} on the network as '{}' ({})", announced_ ? " again" : "",
                     serviceName_, ports);
        announced_ = true;
        warned_ = false; // a later outage is worth a warning again
        break;
    }
    case AVAHI_ENTRY_GROUP_COLLISION:
        rename();
        break;
    case AVAHI_ENTRY_GROUP_FAILURE:
        warnOnce("not announced on the network: avahi: " +
                 avahiError(avahi_client_errno(avahi_entry_group_get_client(group))));
        retryLater(kRetrySeconds);
        break;
    default:
        break;
    }
}

} // namespace pistream
