// The systemd notify protocol for real: pistream-server run with NOTIFY_SOCKET
// pointing at a datagram socket this test owns, as systemd would.

#include <csignal>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "support/printers.h"
#include "support/process.h"
#include "support/test_images.h"

using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

struct Notification {
    std::chrono::steady_clock::time_point at;
    std::string text;
};

// A bound AF_UNIX datagram socket, like systemd's notify socket.
class NotifySocket {
public:
    explicit NotifySocket(const std::filesystem::path& path) : path_(path)
    {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    }
    ~NotifySocket() { ::close(fd_); }

    // Everything that arrives within `duration`.
    std::vector<Notification> collect(std::chrono::milliseconds duration)
    {
        std::vector<Notification> received;
        const auto until = std::chrono::steady_clock::now() + duration;
        char buffer[4096];
        while (std::chrono::steady_clock::now() < until) {
            pollfd fd{fd_, POLLIN, 0};
            if (::poll(&fd, 1, 20) <= 0)
                continue;
            const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n > 0)
                received.push_back({std::chrono::steady_clock::now(),
                                    std::string(buffer, static_cast<std::size_t>(n))});
        }
        return received;
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

bool contains(const Notification& n, const std::string& what)
{
    return n.text.find(what) != std::string::npos;
}

} // namespace

TEST_CASE("READY once frames flow, WATCHDOG only while they do, STOPPING on SIGTERM")
{
    TempDir dir;
    NotifySocket socket(dir.file("notify"));
    // 45 frames at 30 fps: 1.5 s of frames, then a hung source.
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "off", "--insecure",
                    "--size", "64x48", "--fps", "30", "--source", "test:stall-after=45"},
                   dir.path(), "server",
                   {"NOTIFY_SOCKET=" + dir.file("notify").string(), "WATCHDOG_USEC=400000"});
    const auto started = std::chrono::steady_clock::now();
    auto notes = socket.collect(4500ms);
    server.signal(SIGTERM);
    REQUIRE(server.wait(10s) == 0);
    auto last = socket.collect(500ms);
    notes.insert(notes.end(), last.begin(), last.end());

    std::string all;
    for (const auto& n : notes)
        all += "[" +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(n.at - started).count()) +
               " ms] " + n.text + "\n";
    INFO(all);
    const auto ready =
        std::find_if(notes.begin(), notes.end(), [](auto& n) { return contains(n, "READY=1"); });
    REQUIRE(ready != notes.end());
    CHECK(contains(*ready, "STATUS=streaming test pattern"));
    // No watchdog ping before READY.
    CHECK(std::none_of(notes.begin(), ready, [](auto& n) { return contains(n, "WATCHDOG=1"); }));

    std::vector<std::chrono::steady_clock::time_point> pings;
    for (const auto& n : notes)
        if (contains(n, "WATCHDOG=1"))
            pings.push_back(n.at);
    // While frames flow (1.5 s) it pings every 200 ms (half of WATCHDOG_USEC)...
    REQUIRE(pings.size() >= 4);
    // ...once the source hangs the pings stop (had it stayed hung for
    // WatchdogSec, systemd would restart the service)...
    auto longestGap = std::chrono::steady_clock::duration::zero();
    std::size_t gapEnd = 0;
    for (std::size_t i = 1; i < pings.size(); ++i)
        if (pings[i] - pings[i - 1] > longestGap) {
            longestGap = pings[i] - pings[i - 1];
            gapEnd = i;
        }
    CHECK(longestGap >= 1500ms); // the server reopens a source after 2 s without frames
    // ...and resume once the reopened source delivers again.
    CHECK(pings.size() - gapEnd >= 2);
    MESSAGE("longest gap between pings: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(longestGap).count() << " ms");
    CHECK(
        std::any_of(notes.begin(), notes.end(), [](auto& n) { return contains(n, "STOPPING=1"); }));
}

TEST_CASE("without NOTIFY_SOCKET nothing is sent and the server runs as usual")
{
    TempDir dir;
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "off", "--insecure",
                    "--size", "64x48"},
                   dir.path(), "server");
    REQUIRE(startServer(server) != 0);
    server.signal(SIGTERM);
    CHECK(server.wait(10s) == 0);
}
