#pragma once

// A private avahi-daemon for discovery tests: a network namespace with a
// veth pair (multicast, an IPv4 address), a D-Bus system bus of its own and
// avahi-daemon on it, started here and torn down by the destructor. Programs
// run inside with wrap() and env(). Needs root (ip netns); without it, or
// when the namespace cannot be made, ok() is false and skipReason() says why.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"

namespace pistream::test {

class AvahiSandbox {
public:
    explicit AvahiSandbox(const std::filesystem::path& dir);
    ~AvahiSandbox();
    AvahiSandbox(const AvahiSandbox&) = delete;
    AvahiSandbox& operator=(const AvahiSandbox&) = delete;

    bool ok() const { return skipReason_.empty(); }
    const std::string& skipReason() const { return skipReason_; }

    // argv run inside the namespace; env() points it at the private bus.
    std::vector<std::string> wrap(std::vector<std::string> argv) const;
    std::vector<std::string> env() const;
    // The address the namespace's interface has: what announced servers resolve to.
    static constexpr const char* kAddress = "10.213.0.1";
    static constexpr const char* kHostName = "pistream-test";

    // Stops avahi-daemon and starts a new one (a daemon restart); whether it came up.
    bool restartAvahi();
    // avahi-daemon's log so far.
    std::string avahiLog() const;

private:
    bool startAvahi();
    bool run(std::vector<std::string> argv, const std::string& what);

    std::filesystem::path dir_;
    std::string netns_;
    bool netnsMade_ = false;
    std::string skipReason_;
    std::unique_ptr<Process> bus_;
    std::unique_ptr<Process> avahi_;
    int avahiStarts_ = 0;
};

} // namespace pistream::test
