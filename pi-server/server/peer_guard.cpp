#include "server/peer_guard.h"

#include <algorithm>

namespace pistream {

namespace {

std::string seconds(std::chrono::milliseconds duration)
{
    return std::to_string((duration.count() + 999) / 1000) + " s";
}

} // namespace

std::string PeerGuard::keyOf(const asio::ip::address& address)
{
    if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
        auto bytes = address.to_v6().to_bytes();
        std::fill(bytes.begin() + 8, bytes.end(), 0); // the /64
        return asio::ip::address_v6(bytes).to_string() + "/64";
    }
    if (address.is_v6())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

PeerGuard::Admission PeerGuard::admit(const asio::ip::address& address, Clock::time_point now)
{
    const std::string key = keyOf(address);
    auto it = peers_.find(key);
    if (limits_.refuseSlowedAtAccept && it != peers_.end() && now < it->second.blockedUntil) {
        Peer& peer = it->second;
        return {false, "slowed down after " + std::to_string(peer.failures) +
                           " failed attempts: next one in " +
                           seconds(std::chrono::duration_cast<std::chrono::milliseconds>(
                               peer.blockedUntil - now))};
    }
    const auto busy = [](std::string reason) {
        return Admission{false, std::move(reason)};
    };
    if (pending_ >= limits_.maxPending)
        return busy(std::to_string(limits_.maxPending) + " " + limits_.pendingName +
                    " already in progress");
    if (it != peers_.end() && it->second.pending >= limits_.maxPendingPerAddress)
        return busy(std::to_string(limits_.maxPendingPerAddress) + " " + limits_.pendingName +
                    " from this address already in progress");
    if (it == peers_.end()) {
        if (peers_.size() >= limits_.maxTracked)
            makeRoom(now);
        it = peers_.emplace(key, Peer{}).first;
    }
    ++it->second.pending;
    ++pending_;
    return {};
}

std::chrono::milliseconds PeerGuard::keyWait(const asio::ip::address& address,
                                             Clock::time_point now) const
{
    const auto it = peers_.find(keyOf(address));
    if (it == peers_.end() || now >= it->second.blockedUntil)
        return std::chrono::milliseconds(0);
    // Rounded up: a wait still under way is never told as zero.
    return std::chrono::ceil<std::chrono::milliseconds>(it->second.blockedUntil - now);
}

void PeerGuard::finished(const asio::ip::address& address, bool authenticated,
                         Clock::time_point now)
{
    const auto it = peers_.find(keyOf(address));
    if (it == peers_.end())
        return;
    Peer& peer = it->second;
    release(peer);
    if (authenticated) {
        peer.failures = 0;
        peer.blockedUntil = {};
    } else if (++peer.failures >= limits_.freeFailures) {
        // The freeFailures-th failure in a row starts the first wait.
        const int doublings = std::min(peer.failures - limits_.freeFailures, 16);
        const std::chrono::milliseconds doubled = limits_.firstPenalty * (1L << doublings);
        const auto penalty = std::min(doubled, limits_.maxPenalty);
        peer.blockedUntil = now + penalty;
    }
    forgetIfClean(it);
}

void PeerGuard::released(const asio::ip::address& address)
{
    const auto it = peers_.find(keyOf(address));
    if (it == peers_.end())
        return;
    release(it->second);
    forgetIfClean(it);
}

void PeerGuard::release(Peer& peer)
{
    if (peer.pending > 0) {
        --peer.pending;
        --pending_;
    }
}

void PeerGuard::forgetIfClean(std::unordered_map<std::string, Peer>::iterator it)
{
    if (it->second.pending == 0 && it->second.failures == 0)
        peers_.erase(it); // nothing to remember
}

void PeerGuard::makeRoom(Clock::time_point now)
{
    // First forget addresses whose wait is over, then the one whose wait ends
    // soonest. Addresses mid-handshake stay: there are at most maxPending.
    std::erase_if(peers_, [now](const auto& entry) {
        return entry.second.pending == 0 && entry.second.blockedUntil <= now;
    });
    if (peers_.size() < limits_.maxTracked)
        return;
    auto oldest = peers_.end();
    for (auto it = peers_.begin(); it != peers_.end(); ++it)
        if (it->second.pending == 0 &&
            (oldest == peers_.end() || it->second.blockedUntil < oldest->second.blockedUntil))
            oldest = it;
    if (oldest != peers_.end())
        peers_.erase(oldest);
}

} // namespace pistream
