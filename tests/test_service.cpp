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
#include "support/server_status.h"
#include "support/test_images.h"
#include "support/wait_for.h"

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
    // A frame every 500 ms, the notifier checking every 200 ms (half of
    // WATCHDOG_USEC): it pings only when a frame came since its last check, so
    // it never sends more pings than the source delivered frames, however
    // fast or slow this machine runs. One that pinged regardless would, within
    // the first 2 s of frames alone. Each test source hangs after 4 frames;
    // the server reopens it after 2 s without frames.
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                    "--insecure", "--size", "64x48", "--fps", "2", "--source",
                    "test:stall-after=4"},
                   dir.path(), "server",
                   {"NOTIFY_SOCKET=" + dir.file("notify").string(), "WATCHDOG_USEC=400000"});
    const auto httpPort = httpPortOf(server);
    REQUIRE(httpPort != 0);
    const auto started = std::chrono::steady_clock::now();
    const auto framesIn = [&]() -> std::uint64_t {
        const auto status = serverStatus(httpPort);
        return status ? (*status)["frames"]["in"].get<std::uint64_t>() : 0;
    };
    const auto isPing = [](const Notification& n) {
        return contains(n, "WATCHDOG=1");
    };

    // Collect until the reopened source has delivered (the server has seen more
    // frames than one source gives) and a ping has come after that.
    std::vector<Notification> notes;
    std::optional<std::size_t> reopened; // notes[*reopened] came after that
    const bool resumed = waitFor(
        [&] {
            const auto more = socket.collect(100ms);
            notes.insert(notes.end(), more.begin(), more.end());
            if (!reopened && framesIn() > 4)
                reopened = notes.size();
            return reopened &&
                   std::any_of(notes.begin() + static_cast<long>(*reopened), notes.end(), isPing);
        },
        60s, 0ms);
    const std::uint64_t frames = framesIn(); // after every ping counted here
    server.signal(SIGTERM);
    REQUIRE(server.wait(10s) == 0);
    auto last = socket.collect(500ms);

    std::string all;
    for (const auto& n : notes)
        all += "[" +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(n.at - started).count()) +
               " ms] " + n.text + "\n";
    INFO(all);
    INFO("frames in: " << frames);
    const auto ready =
        std::find_if(notes.begin(), notes.end(), [](auto& n) { return contains(n, "READY=1"); });
    REQUIRE(ready != notes.end());
    CHECK(contains(*ready, "STATUS=streaming test pattern"));
    // No watchdog ping before READY.
    CHECK(std::none_of(notes.begin(), ready, isPing));
    REQUIRE(reopened);
    // Pings while the first source delivered...
    CHECK(std::any_of(ready, notes.begin() + static_cast<long>(*reopened), isPing));
    // ...none without a new frame (had the source stayed hung for WatchdogSec,
    // systemd would restart the service)...
    const auto pings =
        static_cast<std::uint64_t>(std::count_if(notes.begin(), notes.end(), isPing));
    MESSAGE(pings << " pings for " << frames << " frames");
    CHECK(pings <= frames);
    // ...and again once the reopened source delivers.
    CHECK(resumed);
    CHECK(std::any_of(last.begin(), last.end(), [](auto& n) { return contains(n, "STOPPING=1"); }));
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
