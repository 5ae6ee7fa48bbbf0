#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include <asio/ip/address.hpp>

namespace pistream {

struct PeerGuardLimits {
    int maxPending = 16;          // connections still in the handshake, from everyone
    int maxPendingPerAddress = 4; // ... from one address: one peer cannot take every slot
    int freeFailures = 3;         // failed attempts in a row that slow an address down
    std::chrono::milliseconds firstPenalty{1000}; // then it waits 1 s, 2 s, 4 s ...
    std::chrono::milliseconds maxPenalty{60000};  // ... at most a minute between attempts
    std::size_t maxTracked = 1024;                // addresses remembered; the memory stays bounded
    std::string pendingName = "handshakes";       // what is pending, for the refusal's reason
    // The stream port closes a slowed-down address at accept; the HTTP port
    // lets it in (its health check, its cookie holders) and refuses only its
    // key attempts, asking keyWait().
    bool refuseSlowedAtAccept = true;
};

// Decides whether a connection may start its handshake (the stream port) or
// send its request (the HTTP port, with an instance of its own), so that nobody
// without the key can crowd out the owner: a cap on handshakes in progress,
// a smaller one per address, and per address an exponentially growing wait
// after repeated failures (brute force is hopeless against 160 bits anyway;
// this keeps the log and the CPU quiet). IPv6 peers count per /64, which is
// what one host usually gets. Time is passed in, so it is testable.
class PeerGuard {
public:
    using Clock = std::chrono::steady_clock;

    struct Admission {
        bool allowed = true;
        std::string reason; // why not (the caller's LimitedLog keeps the log quiet)
    };

    explicit PeerGuard(const PeerGuardLimits& limits = {}) : limits_(limits) {}

    Admission admit(const asio::ip::address& address, Clock::time_point now);
    // How long `address` must wait before its next attempt at the key (zero:
    // it may try now).
    std::chrono::milliseconds keyWait(const asio::ip::address& address,
                                      Clock::time_point now) const;
    // The handshake of a connection admit() allowed has ended.
    void finished(const asio::ip::address& address, bool authenticated, Clock::time_point now);
    // A connection admit() allowed is no longer pending, and no key was tried
    // (an HTTP request without credentials, or one that never came): frees
    // its slot and leaves the address's failures as they are.
    void released(const asio::ip::address& address);

    int pending() const { return pending_; }
    std::size_t tracked() const { return peers_.size(); }

private:
    struct Peer {
        int pending = 0;
        int failures = 0; // in a row
        Clock::time_point blockedUntil{};
    };
    static std::string keyOf(const asio::ip::address& address);
    void release(Peer& peer);
    void forgetIfClean(std::unordered_map<std::string, Peer>::iterator it);
    void makeRoom(Clock::time_point now);

    PeerGuardLimits limits_;
    std::unordered_map<std::string, Peer> peers_;
    int pending_ = 0;
};

} // namespace pistream
