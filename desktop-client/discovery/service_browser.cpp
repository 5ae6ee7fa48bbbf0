#include "discovery/service_browser.h"

#include <algorithm>
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/timeval.h>
#include <memory>
#include <net/if.h>

#include <spdlog/spdlog.h>

#include "core/printable_text.h"

namespace pistream {

namespace {

constexpr const char* kServiceType = "_pistream._tcp";

// One browse: the poll, the client, the browser and what the resolvers found.
class Browse {
public:
    explicit Browse(std::chrono::milliseconds duration) : duration_(duration) {}
    ~Browse()
    {
        if (browser_)
            avahi_service_browser_free(browser_);
        if (client_)
            avahi_client_free(client_); // frees resolvers still running
        if (poll_)
            avahi_simple_poll_free(poll_);
    }
    Browse(const Browse&) = delete;
    Browse& operator=(const Browse&) = delete;

    BrowseResult run()
    {
        BrowseResult result;
        poll_ = avahi_simple_poll_new();
        if (!poll_) {
            result.error = "avahi: could not make a poll";
            return result;
        }
        int error = 0;
        // No AVAHI_CLIENT_NO_FAIL: without a daemon there is nothing to wait for.
        client_ = avahi_client_new(avahi_simple_poll_get(poll_), AvahiClientFlags{}, onClient, this,
                                   &error);
        if (!client_) {
            result.error = std::string("avahi: ") + avahi_strerror(error) +
                           (error == AVAHI_ERR_NO_DAEMON ? " (is avahi-daemon running?)" : "");
            return result;
        }
        browser_ =
            avahi_service_browser_new(client_, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, kServiceType,
                                      nullptr, AvahiLookupFlags{}, onBrowse, this);
        if (!browser_) {
            result.error = std::string("avahi: ") + avahi_strerror(avahi_client_errno(client_));
            return result;
        }
        const AvahiPoll* api = avahi_simple_poll_get(poll_);
        timeval deadline{};
        avahi_elapse_time(&deadline, static_cast<unsigned>(duration_.count()), 0);
        api->timeout_new(
            api, &deadline,
            [](AvahiTimeout*, void* poll) {
                avahi_simple_poll_quit(static_cast<AvahiSimplePoll*>(poll));
            },
            poll_);
        while (avahi_simple_poll_iterate(poll_, -1) == 0) {
        }
        result.error = error_;
        result.cameras = mergeCameras(std::move(found_));
        return result;
    }

private:
    static void onClient(AvahiClient* client, AvahiClientState state, void* self)
    {
        auto* browse = static_cast<Browse*>(self);
        if (state == AVAHI_CLIENT_FAILURE) {
            browse->error_ = std::string("avahi: ") + avahi_strerror(avahi_client_errno(client));
            avahi_simple_poll_quit(browse->poll_);
        }
    }

    static void onBrowse(AvahiServiceBrowser*, AvahiIfIndex interface, AvahiProtocol protocol,
                         AvahiBrowserEvent event, const char* name, const char* type,
                         const char* domain, AvahiLookupResultFlags, void* self)
    {
        auto* browse = static_cast<Browse*>(self);
        switch (event) {
        case AVAHI_BROWSER_NEW:
            if (browse->resolving_ + browse->found_.size() >= kMaxBrowsedServices)
                return;
            // The resolver frees itself in its callback; the client frees any left.
            if (avahi_service_resolver_new(browse->client_, interface, protocol, name, type, domain,
                                           protocol, AvahiLookupFlags{}, onResolve, browse))
                ++browse->resolving_;
            break;
        case AVAHI_BROWSER_REMOVE: {
            // Gone during the browse: a server that stopped.
            auto& found = browse->found_;
            found.erase(std::remove_if(found.begin(), found.end(),
                                       [&](const DiscoveredCamera& camera) {
                                           return camera.service == name &&
                                                  camera.interface == interface &&
                                                  camera.protocol == protocol;
                                       }),
                        found.end());
            break;
        }
        case AVAHI_BROWSER_FAILURE:
            browse->error_ = std::string("avahi: browsing failed: ") +
                             avahi_strerror(avahi_client_errno(browse->client_));
            avahi_simple_poll_quit(browse->poll_);
            break;
        default:
            break;
        }
    }

    static void onResolve(AvahiServiceResolver* resolver, AvahiIfIndex interface,
                          AvahiProtocol protocol, AvahiResolverEvent event, const char* name,
                          const char*, const char*, const char* host, const AvahiAddress* address,
                          std::uint16_t port, AvahiStringList* txt, AvahiLookupResultFlags,
                          void* self)
    {
        auto* browse = static_cast<Browse*>(self);
        --browse->resolving_;
        if (event == AVAHI_RESOLVER_FOUND && address) {
            DiscoveredCamera camera;
            camera.service = name ? name : "";
            camera.host = host ? host : "";
            char text[AVAHI_ADDRESS_STR_MAX] = {};
            avahi_address_snprint(text, sizeof text, address);
            camera.address = text;
            camera.ipv6 = address->proto == AVAHI_PROTO_INET6;
            // A link-local IPv6 address needs its interface to be reached.
            if (camera.ipv6 && camera.address.rfind("fe80:", 0) == 0) {
                char ifname[IF_NAMESIZE + 1] = {};
                if (interface >= 0 && if_indextoname(static_cast<unsigned>(interface), ifname))
                    camera.address += std::string("%") + ifname;
            }
            camera.port = port;
            std::vector<std::string> records;
            for (AvahiStringList* item = txt; item && records.size() < kMaxTxtRecords;
                 item = avahi_string_list_get_next(item))
                records.emplace_back(
                    reinterpret_cast<const char*>(avahi_string_list_get_text(item)),
                    avahi_string_list_get_size(item));
            camera.txt = parseCameraTxt(records);
            camera.interface = interface;
            camera.protocol = protocol;
            browse->found_.push_back(std::move(camera));
        } else {
            spdlog::debug("could not resolve {}: {}", escapeText(name ? name : "", 64),
                          avahi_strerror(avahi_client_errno(browse->client_)));
        }
        avahi_service_resolver_free(resolver);
    }

    std::chrono::milliseconds duration_;
    AvahiSimplePoll* poll_ = nullptr;
    AvahiClient* client_ = nullptr;
    AvahiServiceBrowser* browser_ = nullptr;
    std::size_t resolving_ = 0;
    std::vector<DiscoveredCamera> found_;
    std::string error_;
};

} // namespace

BrowseResult browseCameras(std::chrono::milliseconds duration)
{
    Browse browse(duration);
    return browse.run();
}

} // namespace pistream
