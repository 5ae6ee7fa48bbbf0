// The stream port's TLS-PSK and the PeerGuard: the real StreamServer over
// loopback sockets. (The viewer's words for each case: test_e2e, test_hostile.)

#include <functional>
#include <optional>
#include <poll.h>

#include <doctest/doctest.h>

#include "net/stream_socket.h"
#include "net/tls_psk.h"
#include "protocol/message_reader.h"
#include "security/pairing_key.h"
#include "server/peer_guard.h"
#include "support/log_capture.h"
#include "support/printers.h"
#include "support/server_fixture.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

const std::string kKey = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567";
const std::string kOtherKey = "ZZZZ-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567";

// Publishes a frame every 10 ms while it lives.
class Publisher {
public:
    explicit Publisher(FrameHub& hub)
        : thread_([this, &hub] {
              for (std::uint64_t sequence = 1; !stop_; ++sequence) {
                  hub.publish(makeJpegFrame(sequence));
                  std::this_thread::sleep_for(10ms);
              }
          })
    {}
    ~Publisher()
    {
        stop_ = true;
        thread_.join();
    }

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

struct ClientOutcome {
    bool hello = false;
    int frames = 0;
    std::optional<HandshakeFailure> failure; // the handshake failed, and why
    std::string reason;
    std::optional<ByeReason> bye;
    bool closeNotify = false; // TLS ended with the server's close_notify, not just TCP's end
};

// A minimal pistream client made of core pieces only (so this runs in the
// server-only cross builds too): connects, does the TLS-PSK handshake when
// given a key ("" for plain TCP), then reads messages until it has `frames`
// frames, the connection ends or the timeout passes. With sayBye it answers
// the HELLO with a BYE and reads on until the server closes.
ClientOutcome runClient(std::uint16_t port, const std::string& key, int frames,
                        std::chrono::milliseconds timeout = 5s, bool sayBye = false)
{
    asio::io_context io;
    const auto tls = key.empty() ? nullptr : std::make_unique<PskTls>(TlsRole::Client, key);
    StreamSocket stream(io, tls ? &tls->context() : nullptr);
    MessageReader reader(kDefaultMaxMessage);
    std::array<std::uint8_t, 65536> buffer{};
    ClientOutcome outcome;
    const auto byeMessage = encode(Bye{ByeReason::Normal, "done"});
    asio::steady_timer deadline(io);
    const auto end = [&](const std::string& reason) {
        if (outcome.reason.empty())
            outcome.reason = reason;
        deadline.cancel();
        stream.close();
    };
    deadline.expires_after(timeout);
    deadline.async_wait([&](const std::error_code& error) {
        if (!error)
            end("timeout");
    });
    std::function<void()> read = [&] {
        stream.async_read_some(
            asio::buffer(buffer), [&](const std::error_code& error, std::size_t bytes) {
                if (error) {
                    // asio reports TLS's end without a close_notify as stream_truncated.
                    outcome.closeNotify = stream.secure() && error == asio::error::eof;
                    end("closed");
                    return;
                }
                std::span<const std::uint8_t> data(buffer.data(), bytes);
                while (!data.empty()) {
                    std::size_t used = 0;
                    const auto result = reader.feed(data, used);
                    data = data.subspan(used);
                    if (result == MessageReader::Result::Error) {
                        end("protocol error");
                        return;
                    }
                    if (result != MessageReader::Result::Message)
                        continue;
                    const auto& message = reader.message();
                    if (message.type == static_cast<std::uint8_t>(MessageType::Hello)) {
                        outcome.hello = true;
                        if (sayBye)
                            asio::async_write(stream, asio::buffer(byeMessage),
                                              [](const std::error_code&, std::size_t) {});
                    } else if (message.type == static_cast<std::uint8_t>(MessageType::Bye)) {
                        Bye bye;
                        REQUIRE_FALSE(decode(message.body, bye));
                        outcome.bye = bye.reason;
                    } else if (message.type == static_cast<std::uint8_t>(MessageType::Frame)) {
                        FrameHeader header;
                        std::span<const std::uint8_t> payload;
                        REQUIRE_FALSE(decodeFrame(message.body, {}, header, payload));
                        CHECK(header.width == 64);
                        if (++outcome.frames == frames) {
                            end("enough");
                            return;
                        }
                    }
                }
                read();
            });
    };
    stream.tcp().async_connect(
        {asio::ip::make_address("127.0.0.1"), port}, [&](const std::error_code& error) {
            if (error) {
                end("cannot connect");
            } else if (!stream.secure()) {
                read();
            } else {
                stream.asyncHandshake(asio::ssl::stream_base::client,
                                      [&](const std::error_code& handshakeError) {
                                          if (!handshakeError) {
                                              read();
                                              return;
                                          }
                                          outcome.failure = classifyHandshakeError(handshakeError);
                                          end(describe(*outcome.failure));
                                      });
            }
        });
    io.run();
    return outcome;
}

// Bytes the peer sends until it closes the connection (or the timeout: -1).
long bytesUntilClosed(asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    long total = 0;
    std::array<char, 4096> buffer{};
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd fd{socket.native_handle(), POLLIN, 0};
        if (left.count() <= 0 || ::poll(&fd, 1, static_cast<int>(left.count())) <= 0)
            return -1;
        std::error_code error;
        const std::size_t got = socket.read_some(asio::buffer(buffer), error);
        if (error)
            return total;
        total += static_cast<long>(got);
    }
}

StreamServerConfig secureConfig()
{
    StreamServerConfig config;
    config.pairingKey = kKey;
    config.handshakeTimeout = 400ms;
    return config;
}

template <typename Predicate> bool eventually(Predicate predicate)
{
    for (int i = 0; i < 300; ++i) {
        if (predicate())
            return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

asio::ip::address kAddress(const char* text)
{
    return asio::ip::make_address(text);
}

} // namespace

TEST_CASE("the PSK comes from the key however it is typed, and differs between keys")
{
    const auto psk = derivePsk(kKey);
    CHECK(derivePsk("abcdefghijklmnopqrstuvwxyz234567") == psk);
    CHECK(derivePsk("abcd efgh ijkl mnop qrst uvwx yz23 4567") == psk);
    CHECK(derivePsk(kOtherKey) != psk);
    // The test vector in docs/protocol.md.
    std::string hex;
    for (const auto byte : psk) {
        static const char* digits = "0123456789abcdef";
        hex += digits[byte >> 4];
        hex += digits[byte & 15];
    }
    CHECK(hex == "d6a6d77c76801716a1d2daa597d5fa02eec02a944cdca05305873674f0726949");
    CHECK_THROWS_AS(derivePsk("ABCD-EFGH"), std::invalid_argument);
    CHECK_THROWS_AS(PskTls(TlsRole::Server, ""), std::invalid_argument);
}

TEST_CASE("peer guard: handshakes are capped per address and in all")
{
    PeerGuardLimits limits;
    limits.maxPending = 6;
    limits.maxPendingPerAddress = 2;
    PeerGuard guard(limits);
    const auto now = PeerGuard::Clock::now();
    const auto bad = kAddress("10.0.0.66");
    CHECK(guard.admit(bad, now).allowed);
    CHECK(guard.admit(bad, now).allowed);
    const auto third = guard.admit(bad, now);
    CHECK_FALSE(third.allowed);
    CHECK(third.reason.find("from this address") != std::string::npos);
    CHECK(guard.admit(kAddress("10.0.0.1"), now).allowed); // the owner still gets in
    for (const char* other : {"10.0.0.2", "10.0.0.3", "10.0.0.4"})
        CHECK(guard.admit(kAddress(other), now).allowed);
    CHECK(guard.pending() == 6);
    CHECK_FALSE(guard.admit(kAddress("10.0.0.5"), now).allowed); // all slots busy
    guard.finished(bad, false, now);
    CHECK(guard.pending() == 5);
    CHECK(guard.admit(kAddress("10.0.0.5"), now).allowed);
}

TEST_CASE("peer guard: an address that keeps failing waits longer each time, success forgives")
{
    PeerGuard guard; // 3 free failures, then 1 s, 2 s, 4 s ... up to 60 s
    auto now = PeerGuard::Clock::now();
    const auto bad = kAddress("192.0.2.7");
    const auto fail = [&] {
        REQUIRE(guard.admit(bad, now).allowed);
        guard.finished(bad, false, now);
    };
    for (int i = 0; i < 2; ++i)
        fail(); // typos are free
    CHECK(guard.admit(bad, now).allowed);
    guard.finished(bad, false, now); // the 3rd in a row: wait 1 s
    CHECK_FALSE(guard.admit(bad, now).allowed);
    CHECK_FALSE(guard.admit(bad, now + 999ms).allowed);
    CHECK(guard.admit(kAddress("192.0.2.8"), now).allowed); // another address is not affected
    now += 1s;
    fail(); // the 4th: 2 s
    const auto refused = guard.admit(bad, now + 1999ms);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.reason.find("4 failed attempts") != std::string::npos);
    now += 2s;
    for (int i = 0; i < 20; ++i) {
        fail();
        now += 60s; // never more than a minute
    }
    fail();
    CHECK_FALSE(guard.admit(bad, now + 59s).allowed);
    now += 60s;
    REQUIRE(guard.admit(bad, now).allowed);
    guard.finished(bad, true, now); // the right key: forgiven at once
    fail();
    CHECK(guard.admit(bad, now).allowed);
}

TEST_CASE("peer guard: IPv6 peers count per /64, and the memory stays bounded")
{
    PeerGuardLimits limits;
    limits.maxPendingPerAddress = 1;
    limits.maxTracked = 64;
    limits.freeFailures = 0;
    PeerGuard guard(limits);
    const auto now = PeerGuard::Clock::now();
    CHECK(guard.admit(kAddress("2001:db8:1:2::1"), now).allowed);
    CHECK_FALSE(guard.admit(kAddress("2001:db8:1:2::ffff"), now).allowed); // the same /64
    CHECK(guard.admit(kAddress("2001:db8:1:3::1"), now).allowed);
    // A v4-mapped address is the IPv4 address.
    CHECK(guard.admit(kAddress("198.51.100.1"), now).allowed);
    CHECK_FALSE(guard.admit(kAddress("::ffff:198.51.100.1"), now).allowed);
    // Thousands of failing addresses: the table stays at its cap.
    for (unsigned i = 0; i < 5000; ++i) {
        const auto address = asio::ip::make_address_v4(0x0A000000U + i);
        if (guard.admit(address, now).allowed)
            guard.finished(address, false, now);
    }
    CHECK(guard.tracked() <= 64);
}

TEST_CASE("a viewer with the key streams over TLS, and the server counts it as a viewer")
{
    ServerFixture fixture(secureConfig());
    Publisher publisher(fixture.hub());
    const auto outcome = runClient(fixture.endpoint().port(), kKey, 20);
    CHECK(outcome.hello);
    CHECK_FALSE(outcome.failure);
    CHECK(outcome.frames == 20);
    CHECK(outcome.reason == "enough");
    // The key as someone types it works the same.
    CHECK(runClient(fixture.endpoint().port(), "abcdefghijklmnopqrstuvwxyz234567", 5).frames == 5);
    const auto stats = fixture.stats();
    CHECK(stats.viewersServed == 2);
    CHECK(stats.handshakeFailures == 0);
}

TEST_CASE("the server ends TLS with close_notify after a BYE, its own or the viewer's")
{
    SUBCASE("the server's BYE: server full")
    {
        StreamServerConfig config = secureConfig();
        config.maxViewers = 0;
        ServerFixture fixture(config);
        const auto outcome = runClient(fixture.endpoint().port(), kKey, 1);
        CHECK(outcome.hello);
        CHECK(outcome.bye == ByeReason::ServerFull);
        CHECK(outcome.closeNotify);
    }
    SUBCASE("the viewer's BYE")
    {
        ServerFixture fixture(secureConfig());
        const auto outcome = runClient(fixture.endpoint().port(), kKey, 1, 5s, true);
        CHECK(outcome.hello);
        CHECK(outcome.reason == "closed"); // by the server, not the timeout
        CHECK(outcome.closeNotify);
    }
}

TEST_CASE("a wrong key: the handshake fails, no frame byte leaves, the viewer says wrong key")
{
    ServerFixture fixture(secureConfig());
    Publisher publisher(fixture.hub());
    const auto outcome = runClient(fixture.endpoint().port(), kOtherKey, 5);
    CHECK_FALSE(outcome.hello);
    CHECK(outcome.frames == 0);
    CHECK(outcome.failure == HandshakeFailure::WrongKey);
    CHECK(outcome.reason == "wrong key");
    REQUIRE(eventually([&] { return fixture.stats().handshakeFailures == 1; }));
    const auto stats = fixture.stats();
    CHECK(stats.viewersServed == 0);
    CHECK(stats.totals.framesSent == 0);
    CHECK(stats.totals.bytesSent == 0);
    CHECK(stats.handshaking == 0);
}

TEST_CASE("a plain client gets not one byte from a TLS server and is closed at the deadline")
{
    ServerFixture fixture(secureConfig());
    Publisher publisher(fixture.hub());
    asio::io_context io;
    auto socket = rawConnect(io, fixture.endpoint());
    const auto started = std::chrono::steady_clock::now();
    CHECK(bytesUntilClosed(socket, 3s) == 0); // closed, having sent nothing
    CHECK(std::chrono::steady_clock::now() - started >= 350ms);
    // A plain pistream client waits for a hello that never comes.
    const auto plain = runClient(fixture.endpoint().port(), "", 1, 2s);
    CHECK_FALSE(plain.hello);
    CHECK(plain.reason == "closed"); // by the server, at its deadline
    REQUIRE(eventually([&] { return fixture.stats().handshakeFailures == 2; }));
    CHECK(fixture.stats().totals.bytesSent == 0);
}

TEST_CASE("a TLS viewer against a plain server is told the server does not speak TLS")
{
    ServerFixture fixture; // --insecure
    Publisher publisher(fixture.hub());
    const auto outcome = runClient(fixture.endpoint().port(), kKey, 1, 2s);
    CHECK_FALSE(outcome.hello);
    CHECK(outcome.failure == HandshakeFailure::NotTls);
}

TEST_CASE("connections that never finish a handshake cannot keep the owner out")
{
    ServerFixture fixture(secureConfig());
    Publisher publisher(fixture.hub());
    asio::io_context io;
    // The owner is watching; one bad address opens 40 silent connections.
    ClientOutcome during;
    std::thread owner([&] { during = runClient(fixture.endpoint().port(), kKey, 60, 10s); });
    REQUIRE(eventually([&] { return fixture.stats().viewers == 1; }));
    std::vector<asio::ip::tcp::socket> silent;
    for (int i = 0; i < 40; ++i)
        silent.push_back(rawConnect(io, fixture.endpoint(), "127.0.0.66"));
    REQUIRE(eventually([&] { return fixture.stats().turnedAway >= 36; }));
    CHECK(fixture.stats().handshaking <= 4); // 4 per address
    // A second viewer of the owner's still gets in meanwhile.
    CHECK(runClient(fixture.endpoint().port(), kKey, 5).frames == 5);
    owner.join();
    CHECK(during.frames == 60); // the stream went on throughout
    // The silent ones are closed at the deadline; nothing is left pending.
    REQUIRE(eventually([&] { return fixture.stats().handshaking == 0; }));
    for (auto& socket : silent)
        CHECK(bytesUntilClosed(socket, 2s) == 0);
}

TEST_CASE("repeated wrong keys slow that address down without touching others")
{
    ServerFixture fixture(secureConfig());
    Publisher publisher(fixture.hub());
    for (int i = 0; i < 3; ++i)
        CHECK(runClient(fixture.endpoint().port(), kOtherKey, 1).failure ==
              HandshakeFailure::WrongKey);
    // After 3 failures in a row (protocol.md), the 4th attempt within the
    // second is closed before any handshake.
    const auto slowed = runClient(fixture.endpoint().port(), kOtherKey, 1);
    CHECK(slowed.failure == HandshakeFailure::Closed); // closed before any handshake
    CHECK(fixture.stats().turnedAway == 1);
    // Another address is not slowed: it is admitted to a handshake (this one
    // says nothing, so it is closed at the deadline, not at once).
    asio::io_context io;
    auto other = rawConnect(io, fixture.endpoint(), "127.0.0.9");
    const auto started = std::chrono::steady_clock::now();
    CHECK(bytesUntilClosed(other, 2s) == 0);
    CHECK(std::chrono::steady_clock::now() - started >= 350ms);
    CHECK(fixture.stats().turnedAway == 1);
}

TEST_CASE("a flood of wrong keys on the stream port writes one line, and a summary when it stops")
{
    LogCapture capture;
    StreamServerConfig config = secureConfig();
    config.guard.freeFailures = 1000; // no back-off: every attempt reaches the handshake
    constexpr int kFlood = 30;
    {
        ServerFixture fixture(config);
        for (int i = 0; i < kFlood; ++i)
            CHECK(runClient(fixture.endpoint().port(), kOtherKey, 1).failure ==
                  HandshakeFailure::WrongKey);
        REQUIRE(eventually([&] { return fixture.stats().handshakeFailures == kFlood; }));
        // The first few in full (LogLimits::burst), the rest counted.
        CHECK(capture.count("connection from 127.0.0.1:") == LogLimits{}.burst);
        CHECK(capture.count("refused: wrong key") == LogLimits{}.burst);
    }
    // Stopped: what was only counted is summed up.
    CHECK(capture.count(std::to_string(kFlood - LogLimits{}.burst) +
                        " more connections from 127.0.0.1 refused in the handshake") == 1);
}
