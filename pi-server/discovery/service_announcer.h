#pragma once

#include <string>

#include "discovery/announcement.h"

struct AvahiClient;
struct AvahiEntryGroup;
struct AvahiThreadedPoll;
struct AvahiTimeout;

namespace pistream {

// Announces the server on the LAN through avahi-daemon (libavahi-client over
// D-Bus): _pistream._tcp on the stream port with the TXT records of
// announcementTxt(), and _http._tcp (or _https._tcp) on the browser port.
//
// Avahi runs on a thread of its own (avahi_threaded_poll): its callbacks
// touch only this object's Avahi handles, never the io thread's state, so
// nothing is shared but the announcement, fixed at construction. The
// alternative, an AvahiPoll adapter on the io_context, would put D-Bus
// traffic on the thread that serves every socket, for no gain.
//
// Never fatal: without a system bus or an avahi-daemon it logs one warning
// and keeps trying (the client waits for the daemon with
// AVAHI_CLIENT_NO_FAIL; a client that could not reach D-Bus at all is made
// again every 30 s). When the daemon restarts, the services are registered
// again. A name already taken on the LAN is replaced by Avahi's alternative
// ("Garden #2"), logged.
class ServiceAnnouncer {
public:
    explicit ServiceAnnouncer(Announcement announcement);
    ~ServiceAnnouncer(); // stop()
    ServiceAnnouncer(const ServiceAnnouncer&) = delete;
    ServiceAnnouncer& operator=(const ServiceAnnouncer&) = delete;

    // Starts Avahi's thread; the announcement follows as soon as the daemon is there.
    void start();
    // Withdraws the services (the daemon says goodbye on the LAN) and joins the thread.
    void stop();

private:
    struct Callbacks; // Avahi's C callbacks, in the .cpp (they need Avahi's enums)

    // All on Avahi's thread (or before it starts).
    void connect();
    void onClientState(AvahiClient* client, int state);
    void onGroupState(AvahiEntryGroup* group, int state);
    void announce(AvahiClient* client);
    void rename();
    void retryLater(int seconds);
    void dropClient();
    void warnOnce(const std::string& line);

    Announcement announcement_;
    std::string serviceName_; // the name announced: the configured one or Avahi's alternative
    AvahiThreadedPoll* poll_ = nullptr;
    AvahiClient* client_ = nullptr;
    AvahiEntryGroup* group_ = nullptr;
    AvahiTimeout* retry_ = nullptr;
    bool warned_ = false;    // the "not announced" warning is written once
    bool announced_ = false; // the services are up (for the "again" log line)
    bool running_ = false;
};

} // namespace pistream
