#include "support/avahi_sandbox.h"

#include <csignal>
#include <fstream>
#include <unistd.h>

#include "support/wait_for.h"

namespace pistream::test {

namespace {

using namespace std::chrono_literals;

// A system bus that lets anyone own any name and talk to anyone: avahi-daemon
// owns org.freedesktop.Avahi on it, the programs under test are its clients.
std::string busConfig(const std::filesystem::path& socket)
{
    return R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=)" +
           socket.string() + R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
)";
}

// IPv4 on the namespace's veth only, D-Bus on, nothing else announced.
std::string avahiConfig()
{
    return std::string("[server]\nhost-name=") + AvahiSandbox::kHostName +
           "\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=psv0\nenable-dbus=yes\n"
           "[wide-area]\nenable-wide-area=no\n"
           "[publish]\npublish-hinfo=no\npublish-workstation=no\n";
}

} // namespace

AvahiSandbox::AvahiSandbox(const std::filesystem::path& dir) : dir_(dir)
{
    if (geteuid() != 0) {
        skipReason_ = "not root: the discovery tests need a network namespace (ip netns)";
        return;
    }
    netns_ = "pistream-test-" + std::to_string(getpid());
    if (!run({"ip", "netns", "add", netns_}, "ip netns add"))
        return;
    netnsMade_ = true;
    if (!run({"ip", "-n", netns_, "link", "set", "lo", "up"}, "loopback up") ||
        !run({"ip", "-n", netns_, "link", "add", "psv0", "type", "veth", "peer", "name", "psv1"},
             "a veth pair") ||
        !run({"ip", "-n", netns_, "link", "set", "psv0", "multicast", "on", "up"}, "psv0 up") ||
        !run({"ip", "-n", netns_, "link", "set", "psv1", "up"}, "psv1 up") ||
        !run({"ip", "-n", netns_, "addr", "add", std::string(kAddress) + "/24", "dev", "psv0"},
             "an address"))
        return;

    {
        std::ofstream(dir_ / "bus.conf") << busConfig(dir_ / "bus");
        std::ofstream(dir_ / "avahi.conf") << avahiConfig();
    }
    bus_ = std::make_unique<Process>(
        std::vector<std::string>{"dbus-daemon", "--config-file=" + (dir_ / "bus.conf").string(),
                                 "--nofork", "--nopidfile"},
        dir_, "dbus");
    if (!waitFor([this] { return std::filesystem::exists(dir_ / "bus"); }, 10s)) {
        skipReason_ = "dbus-daemon did not start: " + bus_->err();
        return;
    }
    if (!startAvahi())
        skipReason_ = "avahi-daemon did not start: " + avahiLog();
}

AvahiSandbox::~AvahiSandbox()
{
    avahi_.reset(); // the Process destructor kills what still runs
    bus_.reset();
    if (netnsMade_)
        run({"ip", "netns", "delete", netns_}, "ip netns delete"); // the veth pair goes with it
}

bool AvahiSandbox::run(std::vector<std::string> argv, const std::string& what)
{
    const int code = runTool(std::move(argv), dir_).first;
    if (code == 0)
        return true;
    if (skipReason_.empty())
        skipReason_ = what + " failed (exit " + std::to_string(code) + ")";
    return false;
}

std::vector<std::string> AvahiSandbox::wrap(std::vector<std::string> argv) const
{
    argv.insert(argv.begin(), {"ip", "netns", "exec", netns_});
    return argv;
}

std::vector<std::string> AvahiSandbox::env() const
{
    return {"DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + (dir_ / "bus").string()};
}

bool AvahiSandbox::startAvahi()
{
    // avahi-daemon keeps its pid file and socket in /run/avahi-daemon, which
    // is not configurable: it gets a private /run in a mount namespace of its
    // own, so a system avahi-daemon (if any) is neither seen nor disturbed.
    // Each exec keeps the pid, so the Process is avahi-daemon itself.
    avahi_ = std::make_unique<Process>(
        wrap({"unshare", "-m", "sh", "-c",
              "mount -t tmpfs tmpfs /run && mkdir /run/avahi-daemon && exec avahi-daemon "
              "--no-drop-root --no-chroot --no-rlimits -f " +
                  (dir_ / "avahi.conf").string()}),
        dir_, "avahi" + std::to_string(avahiStarts_++), env());
    // Ready once it has the interface's address (its log is on stderr).
    return avahi_
        ->waitForErr(std::regex("Registering new address record for 10\\.213\\.0\\.1"), 20s)
        .has_value();
}

bool AvahiSandbox::restartAvahi()
{
    if (avahi_) {
        avahi_->signal(SIGTERM);
        avahi_->wait(10s);
    }
    return startAvahi();
}

std::string AvahiSandbox::avahiLog() const
{
    return avahi_ ? avahi_->err() : std::string();
}

} // namespace pistream::test
