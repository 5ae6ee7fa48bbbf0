#include <algorithm>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>

#include <doctest/doctest.h>

#include "codec/gzip_compressor.h"
#include "codec/jpeg_encoder.h"
#include "connection/clock_sync.h"
#include "connection/stream_client.h"
#include "core/error.h"
#include "protocol/byte_order.h"
#include "support/printers.h"
#include "support/scripted_server.h"
#include "support/test_images.h"

using namespace pistream;
using namespace pistream::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes helloMessage(std::uint8_t major = kVersionMajor)
{
    return encode(Hello{major, 0, Codec::Jpeg, 64, 48, 30, 1, {}});
}

Bytes frameMessage(std::uint64_t sequence, const Bytes& jpeg, bool gzip, std::uint32_t declared = 0)
{
    FrameHeader header{sequence, 1, 2, 64, 48, 0, 0};
    Bytes payload = jpeg;
    if (gzip) {
        GzipCompressor compressor(6, GzipStrategy::Default);
        ByteBuffer packed;
        compressor.compress(jpeg, packed);
        payload.assign(packed.data(), packed.data() + packed.size());
        header.flags = kFrameFlagGzip;
    }
    header.jpegLength = declared ? declared : static_cast<std::uint32_t>(jpeg.size());
    const auto head = encodeFrameHeader(header, payload.size());
    return cat({Bytes(head.begin(), head.end()), payload});
}

struct Outcome {
    std::vector<ReceivedFrame> frames;
    std::vector<Bytes> jpegs;
    std::vector<Status> statuses;
    std::string closeReason;
    bool closedByServer = false;
    bool helloSeen = false;
    std::vector<std::error_code> pictureErrors; // one a frame
    std::optional<std::int64_t> offset;         // the clock as learnt, at the end
    std::uint64_t strayPongs = 0;
};

Outcome runClient(std::uint16_t port,
                  std::chrono::milliseconds connectTimeout = std::chrono::seconds(3),
                  std::chrono::milliseconds receiveTimeout = std::chrono::seconds(10))
{
    asio::io_context io;
    Outcome outcome;
    ClientConfig config;
    config.server = {"127.0.0.1", port};
    config.connectTimeout = connectTimeout;
    config.receiveTimeout = receiveTimeout;
    StreamClient::Handlers handlers;
    handlers.onHello = [&](const Hello&) {
        outcome.helloSeen = true;
    };
    handlers.onFrame = [&](const ReceivedFrame& frame) {
        outcome.frames.push_back(frame);
        outcome.jpegs.emplace_back(frame.jpeg.begin(), frame.jpeg.end());
        outcome.pictureErrors.push_back(frame.pictureError);
    };
    handlers.onStatus = [&](const Status& status) {
        outcome.statuses.push_back(status);
    };
    handlers.onClosed = [&](const std::string& reason, bool byServer) {
        outcome.closeReason = reason;
        outcome.closedByServer = byServer;
    };
    auto client = std::make_shared<StreamClient>(io, config, handlers);
    client->start();
    io.run_for(std::chrono::seconds(6));
    outcome.offset = client->clock().offsetMicros();
    outcome.strayPongs = client->strayPongs();
    return outcome;
}

Bytes makeJpeg(int width, int height)
{
    JpegEncoder encoder(80);
    ByteBuffer out;
    encoder.encode(makePicture(width, height, 0).frame(), out);
    return Bytes(out.data(), out.data() + out.size());
}

const Bytes kJpeg = makeJpeg(64, 48); // what helloMessage() and frameMessage() declare

} // namespace

TEST_CASE("a good stream: gzipped and plain frames, unknown types skipped, status, bye")
{
    ScriptedServer server({cat({helloMessage(),
                                frameMessage(1, kJpeg, true),
                                {0, 0, 0, 2, 0x55, 9},
                                frameMessage(2, kJpeg, false),
                                encode(Status{SourceState::Down, "camera unplugged"}),
                                encode(Bye{ByeReason::ShuttingDown, "maintenance"})})});
    const auto outcome = runClient(server.port());
    CHECK(outcome.helloSeen);
    REQUIRE(outcome.frames.size() == 2);
    CHECK(outcome.jpegs[0] == kJpeg);
    CHECK(outcome.jpegs[1] == kJpeg);
    CHECK(outcome.frames[0].header.sequence == 1);
    CHECK(outcome.frames[1].header.flags == 0);
    REQUIRE(outcome.statuses.size() == 1);
    CHECK(outcome.statuses[0].text == "camera unplugged");
    CHECK(outcome.closedByServer);
    CHECK(outcome.closeReason == "server said bye: server shutting down (maintenance)");
}

TEST_CASE("hostile servers: the connection is closed with the reason, nothing crashes")
{
    struct Case {
        const char* name;
        Bytes script;
        const char* reason;
    };
    Bytes bomb;
    {
        // 64 MiB of zeros in a frame that declares a 1000-byte JPEG.
        const Bytes zeros(64u << 20, 0);
        GzipCompressor compressor(9, GzipStrategy::Default);
        ByteBuffer packed;
        compressor.compress(zeros, packed);
        FrameHeader header{1, 0, 0, 64, 48, kFrameFlagGzip, 1000};
        const auto head = encodeFrameHeader(header, packed.size());
        bomb = cat({helloMessage(), Bytes(head.begin(), head.end()),
                    Bytes(packed.data(), packed.data() + packed.size())});
    }
    const std::vector<Case> cases = {
        {"not pistream", cat({{0, 0, 0, 5, 1, 'H', 'T', 'T', 'P'}}), "not a pistream server"},
        {"frame before hello", frameMessage(1, kJpeg, false), "not allowed at this point"},
        {"newer major version", helloMessage(2), "unsupported protocol major version"},
        {"two hellos", cat({helloMessage(), helloMessage()}), "not allowed at this point"},
        {"length 0xFFFFFFFF", cat({helloMessage(), {0xFF, 0xFF, 0xFF, 0xFF}}), "over the cap"},
        {"length cap + 1", cat({helloMessage(), {0x00, 0x80, 0x00, 0x01}}), "over the cap"},
        {"length 0", cat({helloMessage(), {0, 0, 0, 0}}), "length 0"},
        {"gzip bomb", bomb, "inflates past the declared"},
        {"JPEG longer than the frame can be",
         cat({helloMessage(), frameMessage(1, kJpeg, true, 64 * 48 * 3 + 65537)}),
         "over the limit"},
        {"plain payload shorter than declared",
         cat({helloMessage(), frameMessage(1, kJpeg, false, 100)}), "differs from the declared"},
        {"corrupt gzip",
         cat({helloMessage(),
              [] {
                  Bytes varied(3000);
                  for (std::size_t i = 0; i < varied.size(); ++i)
                      varied[i] = static_cast<std::uint8_t>(i * i % 251);
                  auto m = frameMessage(1, varied, true);
                  m[m.size() - 200] ^= 0xFF; // inside the deflate data
                  return m;
              }()}),
         "gzip"},
    };
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        ScriptedServer server({c.script});
        const auto outcome = runClient(server.port());
        CHECK_MESSAGE(outcome.closeReason.find(c.reason) != std::string::npos, outcome.closeReason);
        CHECK(outcome.frames.empty());
    }
}

TEST_CASE("a server that says nothing, and no server at all")
{
    {
        ScriptedServer server(std::vector<std::vector<std::uint8_t>>(1)); // one empty script
        const auto outcome = runClient(server.port(), std::chrono::milliseconds(300));
        CHECK(outcome.closeReason.find("no hello") != std::string::npos);
    }
    // A port nobody listens on: take one and let it go.
    std::uint16_t port = 0;
    {
        asio::io_context io;
        asio::ip::tcp::acceptor probe(
            io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
    }
    const auto outcome = runClient(port);
    CHECK(outcome.closeReason.find("cannot connect") != std::string::npos);
}

TEST_CASE("payloads that are no picture of the declared size are handed on marked: the "
          "connection stays")
{
    Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    png.resize(300, 0x11);
    Bytes soiAndGarbage = {0xFF, 0xD8};
    soiAndGarbage.resize(400, 0x42);
    const std::vector<Bytes> bad = {
        claimingSize(kJpeg, 60000, 60000), // the JPEG's own size differs from the frame's
        claimingSize(kJpeg, 65535, 65535), // over libjpeg's limit: header unreadable
        Bytes(500, 0x42),                  // no JPEG at all
        png,
        soiAndGarbage,
    };
    Bytes script = helloMessage();
    std::uint64_t sequence = 1;
    for (const auto& payload : bad) {
        const bool gzip = sequence % 2 == 0; // both ways in
        script = cat({script, frameMessage(sequence++, payload, gzip)});
    }
    script = cat({script, frameMessage(sequence, kJpeg, false),
                  encode(Bye{ByeReason::ShuttingDown, "done"})});
    ScriptedServer server({script});
    const auto outcome = runClient(server.port());
    CHECK(outcome.closeReason == "server said bye: server shutting down (done)");
    REQUIRE(outcome.frames.size() == bad.size() + 1);
    CHECK(outcome.pictureErrors[0] == make_error_code(Errc::JpegMismatch));
    for (std::size_t i = 1; i < bad.size(); ++i) {
        CAPTURE(i);
        CHECK(outcome.pictureErrors[i] == make_error_code(Errc::BadJpeg));
    }
    CHECK(!outcome.pictureErrors.back()); // the good frame after them
    CHECK(outcome.jpegs.back() == kJpeg);
}

TEST_CASE("reserved bytes of HELLO and FRAME are ignored")
{
    Bytes hello = helloMessage();
    hello[5 + 7] = 0xA5; // HELLO reserved, after the codec
    Bytes frame = frameMessage(1, kJpeg, false);
    frame[5 + 29] = 0x5A; // FRAME reserved, after the flags
    ScriptedServer server({cat({hello, frame, encode(Bye{ByeReason::Normal, ""})})});
    const auto outcome = runClient(server.port());
    CHECK(outcome.helloSeen);
    REQUIRE(outcome.frames.size() == 1);
    CHECK(!outcome.pictureErrors[0]);
    CHECK(outcome.closeReason == "server said bye: normal");
}

TEST_CASE("a bye with an unknown reason closes like any other: nothing after it is read")
{
    ScriptedServer server(
        {cat({helloMessage(), encode(Bye{static_cast<ByeReason>(7), "later"}),
              frameMessage(1, kJpeg, false), encode(Status{SourceState::Down, "after the bye"})})});
    const auto outcome = runClient(server.port());
    CHECK(outcome.closedByServer);
    CHECK(outcome.closeReason == "server said bye: reason 7 (later)");
    CHECK(outcome.frames.empty());
    CHECK(outcome.statuses.empty());
}

TEST_CASE("status and bye texts arrive escaped, empty is fine, over 1024 bytes is an error")
{
    const std::string hostile = "\n[viewer] info: done\x1b[2J";
    {
        ScriptedServer server({cat({helloMessage(), encode(Status{SourceState::Down, hostile}),
                                    encode(Status{SourceState::Live, ""}),
                                    encode(Bye{ByeReason::Normal, hostile})})});
        const auto outcome = runClient(server.port());
        REQUIRE(outcome.statuses.size() == 2);
        CHECK(outcome.statuses[0].text == "\\x0a[viewer] info: done\\x1b[2J");
        CHECK(outcome.statuses[1].text.empty());
        CHECK(outcome.closeReason == "server said bye: normal (\\x0a[viewer] info: done\\x1b[2J)");
    }
    {
        // (encode() cuts text at the cap, so this one is made by hand.)
        Bytes tooLong = {0, 0, 0x04, 0x03, static_cast<std::uint8_t>(MessageType::Status), 1};
        tooLong.resize(tooLong.size() + 1025, 'x');
        ScriptedServer server({cat({helloMessage(), tooLong})});
        const auto outcome = runClient(server.port());
        CHECK(outcome.statuses.empty());
        CHECK(outcome.closeReason.find("protocol error: text field too long") == 0);
    }
}

TEST_CASE("pongs that answer no ping of ours leave the clock alone")
{
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    // The scripted server never answers pings: every pong here is unsolicited.
    ScriptedServer server({cat(
        {helloMessage(), encode(Pong{kMax, kMin}), encode(Pong{1, kMin}), encode(Pong{kMin, kMax}),
         encode(Pong{0, 0}), frameMessage(1, kJpeg, false), encode(Bye{ByeReason::Normal, ""})})});
    const auto outcome = runClient(server.port());
    CHECK(outcome.frames.size() == 1);
    CHECK(outcome.strayPongs == 4);
    CHECK_FALSE(outcome.offset.has_value());
}

TEST_CASE("a server that stalls or trickles after its hello is dropped after the receive timeout")
{
    SUBCASE("silent after the hello")
    {
        ScriptedServer server({helloMessage()});
        const auto outcome =
            runClient(server.port(), std::chrono::seconds(3), std::chrono::milliseconds(300));
        CHECK(outcome.helloSeen);
        CHECK(outcome.closedByServer);
        CHECK_MESSAGE(outcome.closeReason.find("no complete message") != std::string::npos,
                      outcome.closeReason);
    }
    SUBCASE("one byte at a time, never a whole message")
    {
        asio::io_context serverIo;
        asio::ip::tcp::acceptor acceptor(
            serverIo, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        std::atomic<int> trickled{0};
        std::thread trickler([&] {
            asio::ip::tcp::socket socket(serverIo);
            acceptor.accept(socket);
            std::error_code error;
            asio::write(socket, asio::buffer(helloMessage()), error);
            const Bytes frame = frameMessage(1, kJpeg, false);
            // Far more bytes than fit in the timeout; ends when the client hangs up.
            for (std::size_t i = 0; i < frame.size() && !error; ++i) {
                asio::write(socket, asio::buffer(&frame[i], 1), error);
                ++trickled;
                std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the pace, not a wait
            }
        });
        const auto outcome = runClient(acceptor.local_endpoint().port(), std::chrono::seconds(3),
                                       std::chrono::milliseconds(300));
        trickler.join();
        CHECK(outcome.helloSeen);
        CHECK(outcome.frames.empty());
        CHECK(trickled > 1); // bytes kept coming, and did not keep the connection
        CHECK_MESSAGE(outcome.closeReason.find("no complete message") != std::string::npos,
                      outcome.closeReason);
    }
}

TEST_CASE("clock sync: NTP-style best of recent samples, absurd ones dropped, no overflow")
{
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    ClockSync clock(ClockSync::Config{4, 10'000'000});
    CHECK_FALSE(clock.offsetMicros());
    CHECK_FALSE(clock.toViewerClock(5));

    // Sent at 1000, answered at server 51000, back at 1200: rtt 200, offset 49900.
    CHECK(clock.addSample(1000, 51000, 1200));
    CHECK(clock.offsetMicros() == 49900);
    CHECK(clock.roundTripMicros() == 200);
    CHECK(clock.addSample(2000, 52500, 2900)); // slower: the faster one is kept
    CHECK(clock.offsetMicros() == 49900);
    CHECK(clock.addSample(3000, 53040, 3080)); // faster: taken
    CHECK(clock.offsetMicros() == 50000);
    CHECK(clock.roundTripMicros() == 80);

    // Negative, over 10 s, and overflowing samples change nothing.
    CHECK_FALSE(clock.addSample(5000, 0, 4000));
    CHECK_FALSE(clock.addSample(0, 0, 10'000'001));
    CHECK_FALSE(clock.addSample(kMax, kMin, 100));
    CHECK_FALSE(clock.addSample(kMin, kMax, 100));
    CHECK_FALSE(clock.addSample(100, kMin, 100));   // offset below int64
    CHECK_FALSE(clock.addSample(-100, kMax, -100)); // offset above int64
    CHECK(clock.droppedSamples() == 6);
    CHECK(clock.offsetMicros() == 50000);
    CHECK(clock.roundTripMicros() == 80);

    // A server timestamp too far out for our clock gives nothing, never wraps.
    CHECK(clock.toViewerClock(60000) == 10000);
    CHECK(clock.elapsedMicros(60000, 12000) == 2000);
    CHECK_FALSE(clock.toViewerClock(kMin));
    CHECK_FALSE(clock.elapsedMicros(kMax, kMin));

    // Only the recent window counts: the fast sample ages out.
    for (int i = 0; i < 4; ++i)
        CHECK(clock.addSample(10000 + i, 60000 + i, 10500 + i));
    CHECK(clock.roundTripMicros() == 500);
}

TEST_CASE("the connect timeout covers the TLS handshake as well as the hello")
{
    // A server that accepts and says nothing: the handshake never completes.
    ScriptedServer server(std::vector<std::vector<std::uint8_t>>(1), std::chrono::seconds(4));
    asio::io_context io;
    ClientConfig config;
    config.server = {"127.0.0.1", server.port()};
    config.connectTimeout = std::chrono::milliseconds(300);
    config.pairingKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string reason;
    StreamClient::Handlers handlers;
    handlers.onClosed = [&](const std::string& why, bool) {
        reason = why;
    };
    auto client = std::make_shared<StreamClient>(io, config, handlers);
    client->start();
    io.run_for(std::chrono::seconds(6)); // returns once the client has closed
    CHECK_MESSAGE(reason.find("no hello from") != std::string::npos, reason);
}

namespace {

// A server that says hello, then reads what the client sends and keeps its
// ADAPTs, until the client closes. A message that does not parse (writes
// interleaved on the socket) is counted.
class AdaptReader {
public:
    AdaptReader()
    {
        thread_ = std::thread([this] {
            asio::ip::tcp::socket socket(io_);
            acceptor_.accept(socket);
            asio::write(socket, asio::buffer(helloMessage()));
            std::error_code error;
            for (;;) {
                std::array<std::uint8_t, 4> length{};
                if (asio::read(socket, asio::buffer(length), error) != length.size())
                    return; // the client closed
                const auto size = getBigEndian<std::uint32_t>(length.data());
                Bytes body(std::min<std::uint32_t>(size, 64));
                const bool sane = size >= 1 && size <= 64;
                if (!sane || asio::read(socket, asio::buffer(body), error) != body.size()) {
                    const std::lock_guard lock(mutex_);
                    corrupt_ += sane ? 0 : 1;
                    return;
                }
                Adapt adapt;
                if (body[0] != static_cast<std::uint8_t>(MessageType::Adapt))
                    continue;
                const std::lock_guard lock(mutex_);
                if (decode(std::span(body).subspan(1), adapt))
                    ++corrupt_;
                else
                    adapts_.push_back(adapt);
            }
        });
    }
    ~AdaptReader()
    {
        // A connection of our own wakes an accept still waiting; the client
        // has closed its own by now.
        asio::ip::tcp::socket poke(io_);
        std::error_code ignored;
        poke.connect(acceptor_.local_endpoint(), ignored);
        poke.close();
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::vector<Adapt> adapts() const
    {
        const std::lock_guard lock(mutex_);
        return adapts_;
    }
    int corrupt() const
    {
        const std::lock_guard lock(mutex_);
        return corrupt_;
    }

private:
    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
    mutable std::mutex mutex_;
    std::vector<Adapt> adapts_;
    int corrupt_ = 0;
    std::thread thread_;
};

// Runs `io` until `done`, for at most 20 s.
bool runUntil(asio::io_context& io, const std::function<bool()>& done)
{
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < deadline)
        io.run_for(std::chrono::milliseconds(10));
    return done();
}

// Stops the client and lets it say so, however the checks went.
struct StopClient {
    asio::io_context& io;
    std::shared_ptr<StreamClient>& client;
    ~StopClient()
    {
        if (client)
            client->stop();
        io.run_for(std::chrono::milliseconds(500));
    }
};

} // namespace

TEST_CASE("the shown size goes to the server in an ADAPT (1.3) at the hello and when it changes")
{
    AdaptReader server;
    asio::io_context io;
    ClientConfig config;
    config.server = {"127.0.0.1", server.port()};
    config.shownWidth = 320; // a tile, before the connection
    config.shownHeight = 180;
    auto client = std::make_shared<StreamClient>(io, config, StreamClient::Handlers{});
    const StopClient stop{io, client};
    client->start();
    REQUIRE(runUntil(io, [&] { return server.adapts().size() == 1; }));
    CHECK(server.adapts()[0].policy == kAdaptServerDefault); // no policy of its own
    CHECK(server.adapts()[0].shownWidth == 320);
    CHECK(server.adapts()[0].shownHeight == 180);

    client->setShownSize(1280, 720); // focused: the whole window
    REQUIRE(runUntil(io, [&] { return server.adapts().size() == 2; }));
    CHECK(server.adapts()[1].shownWidth == 1280);
    CHECK(server.adapts()[1].shownHeight == 720);
    CHECK(server.corrupt() == 0);
}

TEST_CASE("sizes given while an ADAPT is being written are sent after it, the last one last")
{
    AdaptReader server;
    asio::io_context io;
    ClientConfig config;
    config.server = {"127.0.0.1", server.port()};
    config.adapt = AdaptPolicy::Quality;
    std::shared_ptr<StreamClient> client;
    StreamClient::Handlers handlers;
    handlers.onHello = [&client](const Hello&) {
        // The first starts a write; the second finds it in flight, as does
        // the client's own ADAPT after the hello.
        client->setShownSize(100, 50);
        client->setShownSize(200, 100);
    };
    client = std::make_shared<StreamClient>(io, config, handlers);
    const StopClient stop{io, client};
    client->start();
    REQUIRE(runUntil(io, [&] {
        const auto adapts = server.adapts();
        return !adapts.empty() && adapts.back().shownWidth == 200;
    }));
    const auto adapts = server.adapts();
    CHECK(adapts.size() == 2); // the in-flight one, then one with the latest figures
    CHECK(adapts.front().shownWidth == 100);
    CHECK(adapts.back().shownHeight == 100);
    for (const Adapt& adapt : adapts)
        CHECK(adapt.known() == AdaptPolicy::Quality); // the policy with every size
    CHECK(server.corrupt() == 0);
}
