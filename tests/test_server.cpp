#include <atomic>
#include <future>
#include <thread>

#include <doctest/doctest.h>

#include "core/encoded_frame.h"
#include "protocol/byte_order.h"
#include "server/stream_server.h"
#include "support/printers.h"
#include "support/server_fixture.h"
#include "support/wire_peer.h"

using namespace pistream;
using namespace pistream::test;

namespace {

std::uint64_t sequenceOf(const WireMessage& message)
{
    return getBigEndian<std::uint64_t>(message.body.data());
}

} // namespace

TEST_CASE("a viewer gets the hello, then frames byte for byte, and pongs for pings")
{
    ServerFixture fixture;
    auto viewer = fixture.connect();
    auto hello = viewer.read();
    REQUIRE(hello);
    CHECK(hello->type == static_cast<std::uint8_t>(MessageType::Hello));
    Hello decoded;
    REQUIRE_FALSE(decode(hello->body, decoded));
    CHECK(decoded.width == 640);
    REQUIRE(fixture.waitViewers(1));
    CHECK(fixture.hub().wanted()); // a viewer makes the pipeline encode

    const auto frame = makeFrame(7, 1000);
    fixture.publish(frame);
    auto message = viewer.read();
    REQUIRE(message);
    CHECK(message->type == static_cast<std::uint8_t>(MessageType::Frame));
    std::vector<std::uint8_t> expected(frame->wireHeader.begin() + 5, frame->wireHeader.end());
    expected.insert(expected.end(), frame->payload.begin(), frame->payload.end());
    CHECK(message->body == expected);

    viewer.write(encode(Ping{-42}));
    auto pong = viewer.readType(MessageType::Pong);
    REQUIRE(pong);
    Pong decodedPong;
    REQUIRE_FALSE(decode(pong->body, decodedPong));
    CHECK(decodedPong.viewerMicros == -42);
    CHECK(decodedPong.serverMicros > 0);

    // Unknown message types from a viewer are ignored, not fatal, up to the
    // cap: a length of 1024 (type and body; the prefix not counted).
    viewer.write({0, 0, 0, 2, 0x7E, 0});
    std::vector<std::uint8_t> largest = {0, 0, 0x04, 0x00, 0x7D};
    largest.resize(4 + 1024, 0xAB);
    viewer.write(largest);
    viewer.write(encode(Ping{1}));
    CHECK(viewer.readType(MessageType::Pong));

    // A longer PING is a later minor version's: answered from its first 8 bytes.
    auto longer = encode(Ping{77});
    longer[3] += 4;
    longer.insert(longer.end(), {1, 2, 3, 4});
    viewer.write(longer);
    pong = viewer.readType(MessageType::Pong);
    REQUIRE(pong);
    REQUIRE_FALSE(decode(pong->body, decodedPong));
    CHECK(decodedPong.viewerMicros == 77);
}

TEST_CASE("after a viewer's BYE nothing it sends is read, and the server closes")
{
    ServerFixture fixture;
    auto viewer = fixture.connect();
    REQUIRE(viewer.readType(MessageType::Hello));
    REQUIRE(fixture.waitViewers(1));
    auto both = encode(Bye{ByeReason::Normal, "leaving"});
    const auto ping = encode(Ping{5});
    both.insert(both.end(), ping.begin(), ping.end()); // in the same segment
    viewer.write(both);
    while (const auto message = viewer.read()) // frames may still come, but no PONG
        CHECK(message->type != static_cast<std::uint8_t>(MessageType::Pong));
    CHECK(viewer.waitClosed());
    CHECK(fixture.waitViewers(0));
}

TEST_CASE("over the viewer cap, the next viewer is told why and closed")
{
    StreamServerConfig config;
    config.maxViewers = 2;
    ServerFixture fixture(config);
    auto a = fixture.connect();
    auto b = fixture.connect();
    REQUIRE(fixture.waitViewers(2));
    auto c = fixture.connect();
    REQUIRE(c.readType(MessageType::Hello));
    auto bye = c.read();
    REQUIRE(bye);
    CHECK(bye->type == static_cast<std::uint8_t>(MessageType::Bye));
    Bye decoded;
    REQUIRE_FALSE(decode(bye->body, decoded));
    CHECK(decoded.reason == ByeReason::ServerFull);
    CHECK(decoded.text.find("2 viewers") != std::string::npos);
    CHECK(c.waitClosed());
    CHECK(fixture.stats().viewersRefused == 1);
    // the two served viewers still get frames
    fixture.publish(makeFrame(1, 100));
    CHECK(a.readType(MessageType::Frame));
    CHECK(b.readType(MessageType::Frame));
}

TEST_CASE("a viewer that stops reading skips frames, holds at most its queue, slows nobody")
{
    StreamServerConfig config;
    config.session.pacing.maxQueuedFrames = 2;
    ServerFixture fixture(config);
    auto stalled = fixture.connect(); // never reads after this
    auto reader = fixture.connect();
    REQUIRE(reader.readType(MessageType::Hello));
    REQUIRE(fixture.waitViewers(2));

    // 300 frames of 256 KiB: far more than the socket buffers can take.
    constexpr int kFrames = 300;
    int maxLive = 0;
    for (int i = 0; i < kFrames; ++i) {
        fixture.publish(makeFrame(static_cast<std::uint64_t>(i), 256 * 1024));
        auto frame = reader.readType(MessageType::Frame);
        REQUIRE(frame);
        REQUIRE(sequenceOf(*frame) == static_cast<std::uint64_t>(i)); // every frame, in order
        maxLive = std::max(maxLive, liveFrames.load());
    }
    const auto stats = fixture.stats();
    CHECK(stats.viewers == 2);
    CHECK(stats.totals.framesSkipped > 200); // the stalled viewer skipped most of them
    // Frames alive at any time: the stalled viewer's queue (2) and write in
    // flight (1), the reader's (1 or 2), the one being published. Unbounded
    // queueing would have kept hundreds (75 MB) alive.
    CHECK(maxLive <= 6);
    MESSAGE("frames alive at most: " << maxLive << ", skipped: " << stats.totals.framesSkipped);
    (void)stalled;
}

TEST_CASE("a viewer that makes no progress is dropped after the stall timeout")
{
    StreamServerConfig config;
    config.session.stallTimeout = std::chrono::milliseconds(500);
    ServerFixture fixture(config);
    auto stalled = fixture.connect();
    auto reader = fixture.connect();
    REQUIRE(fixture.waitViewers(2));
    // Fill the stalled viewer's socket and keep the reader busy until the
    // server drops the stalled one (a generous deadline, no assumed timing).
    bool dropped = false;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (std::uint64_t i = 0; !dropped && std::chrono::steady_clock::now() < until; ++i) {
        fixture.publish(makeFrame(i, 256 * 1024));
        REQUIRE(reader.readType(MessageType::Frame));
        dropped = fixture.stats().viewers == 1;
    }
    CHECK(dropped);
    // the reader is still served
    fixture.publish(makeFrame(1000, 10));
    CHECK(reader.readType(MessageType::Frame));
    (void)stalled;
}

TEST_CASE("a viewer that breaks the protocol gets a bye and is closed, and the others carry on")
{
    ServerFixture fixture;
    auto good = fixture.connect();
    REQUIRE(good.readType(MessageType::Hello));
    const std::vector<std::vector<std::uint8_t>> attacks = {
        {0xFF, 0xFF, 0xFF, 0xFF, 1},                                      // length 0xFFFFFFFF
        {0, 0, 0x04, 0x01},                                               // cap + 1 (1025)
        {0, 0, 0, 0},                                                     // length 0
        {0, 0, 0, 3, static_cast<std::uint8_t>(MessageType::Ping), 1, 2}, // truncated ping
        {0, 0, 0, 1, static_cast<std::uint8_t>(MessageType::Adapt)},      // ADAPT with no policy
    };
    for (const auto& attack : attacks) {
        CAPTURE(attack);
        auto bad = fixture.connect();
        REQUIRE(bad.readType(MessageType::Hello));
        REQUIRE(fixture.waitViewers(2));
        bad.write(attack);
        auto bye = bad.readType(MessageType::Bye);
        REQUIRE(bye);
        Bye decoded;
        REQUIRE_FALSE(decode(bye->body, decoded));
        CHECK(decoded.reason == ByeReason::ProtocolError);
        CHECK(bad.waitClosed());
        REQUIRE(fixture.waitViewers(1));
        fixture.publish(makeFrame(5, 100));
        CHECK(good.readType(MessageType::Frame));
    }
}

TEST_CASE("source state changes reach every viewer, and new viewers while it is down")
{
    ServerFixture fixture;
    auto early = fixture.connect();
    REQUIRE(early.readType(MessageType::Hello));
    REQUIRE(fixture.waitViewers(1));
    fixture.hub().setSourceStatus(SourceState::Down, "camera stopped delivering");
    auto status = early.readType(MessageType::Status);
    REQUIRE(status);
    Status decoded;
    REQUIRE_FALSE(decode(status->body, decoded));
    CHECK(decoded.state == SourceState::Down);
    CHECK(decoded.text == "camera stopped delivering");

    auto late = fixture.connect();
    REQUIRE(late.readType(MessageType::Hello));
    auto lateStatus = late.read();
    REQUIRE(lateStatus);
    CHECK(lateStatus->type == static_cast<std::uint8_t>(MessageType::Status));

    fixture.hub().setSourceStatus(SourceState::Live, "camera is back");
    REQUIRE(early.readType(MessageType::Status));
    REQUIRE(late.readType(MessageType::Status));
}

TEST_CASE("stop says bye to every viewer and leaves nothing running")
{
    ServerFixture fixture;
    auto a = fixture.connect();
    auto b = fixture.connect();
    REQUIRE(fixture.waitViewers(2));
    fixture.stop(); // returns only when the io_context has no work left
    for (auto* viewer : {&a, &b}) {
        auto bye = viewer->readType(MessageType::Bye);
        REQUIRE(bye);
        Bye decoded;
        REQUIRE_FALSE(decode(bye->body, decoded));
        CHECK(decoded.reason == ByeReason::ShuttingDown);
        CHECK(viewer->waitClosed());
    }
}

TEST_CASE("ADAPT 1.3: a viewer drawing at half size or less is sent half size, full when it grows")
{
    ServerFixture fixture; // a 640x480 stream
    auto viewer = fixture.connect();
    REQUIRE(viewer.readType(MessageType::Hello));
    REQUIRE(fixture.waitViewers(1));
    const auto tell = [&viewer](std::uint16_t width, std::uint16_t height) {
        viewer.write(encode(Adapt{kAdaptServerDefault, width, height}));
        viewer.write(encode(Ping{9})); // answered after the ADAPT was read
        REQUIRE(viewer.readType(MessageType::Pong));
    };
    const auto next = [&viewer] {
        const auto frame = viewer.readType(MessageType::Frame);
        REQUIRE(frame);
        return std::pair(getBigEndian<std::uint64_t>(frame->body.data()), frame->body[29]);
    };

    tell(320, 240); // a tile: half of 640x480 covers it
    fixture.publish(makeFrame(1, 100, Rung::Full));
    fixture.publish(makeFrame(2, 100, Rung::Half));
    CHECK(next() == std::pair<std::uint64_t, std::uint8_t>(2, 2)); // the full one was not sent

    tell(640, 480); // focused: full size again, at once
    fixture.publish(makeFrame(3, 100, Rung::Half));
    fixture.publish(makeFrame(4, 100, Rung::Full));
    CHECK(next() == std::pair<std::uint64_t, std::uint8_t>(4, 0));

    tell(321, 240); // a pixel wider than half: full
    fixture.publish(makeFrame(5, 100, Rung::Half));
    fixture.publish(makeFrame(6, 100, Rung::Full));
    CHECK(next() == std::pair<std::uint64_t, std::uint8_t>(6, 0));
}

TEST_CASE("a port in use is a clear start-up error")
{
    ServerFixture first;
    asio::io_context io;
    StreamServerConfig config;
    config.listen = {"127.0.0.1", first.endpoint().port()};
    FrameHub hub(io);
    StreamServer second(io, hub, config, Hello{});
    try {
        second.start();
        FAIL("second server started on a port in use");
    } catch (const std::system_error& error) {
        CHECK(std::string(error.what()).find("cannot listen on 127.0.0.1:") != std::string::npos);
        CHECK(error.code() == asio::error::address_in_use);
    }
}

TEST_CASE(
    "ADAPT: a known policy is taken, an unknown one keeps the default, extra bytes are ignored")
{
    ServerFixture fixture;
    auto viewer = fixture.connect();
    REQUIRE(viewer.readType(MessageType::Hello));
    REQUIRE(fixture.waitViewers(1));
    for (const std::vector<std::uint8_t>& adapt : std::vector<std::vector<std::uint8_t>>{
             encode(Adapt{static_cast<std::uint8_t>(AdaptPolicy::Framerate)}),
             encode(Adapt{200}), // a later version's policy
             {0, 0, 0, 4, static_cast<std::uint8_t>(MessageType::Adapt), 1, 0xFF, 0x00}}) {
        CAPTURE(adapt);
        viewer.write(adapt);
        // Still served: the ping after it is answered and frames come.
        viewer.write(encode(Ping{9}));
        REQUIRE(viewer.readType(MessageType::Pong));
        fixture.publish(makeFrame(6, 100));
        const auto frame = viewer.readType(MessageType::Frame);
        REQUIRE(frame);
        CHECK(frame->body[29] == 0); // a loopback link carries the full rung
    }
}
