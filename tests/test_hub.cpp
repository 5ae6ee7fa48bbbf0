// The FrameHub: fan-out on the io thread, demand, the source's status, and
// subscribers that come and go in the middle of a fan-out.

#include <doctest/doctest.h>

#include "hub/frame_hub.h"
#include "hub/frame_pacer.h"
#include "support/server_fixture.h"

using namespace pistream;
using namespace pistream::test;

namespace {

struct Recorder final : FrameSubscriber {
    std::vector<std::uint64_t> frames;
    std::vector<SourceStatus> statuses;
    std::function<void()> onEach; // runs inside the fan-out

    void onFrame(const EncodedFramePtr& frame) override
    {
        frames.push_back(frame->header.sequence);
        if (onEach)
            onEach();
    }
    void onSourceStatus(const SourceStatus& status) override { statuses.push_back(status); }
};

} // namespace

TEST_CASE("the hub hands every frame to every subscriber in order, and keeps the newest")
{
    asio::io_context io;
    FrameHub hub(io);
    Recorder a, b;
    auto subA = hub.subscribe(a);
    auto subB = hub.subscribe(b);
    for (std::uint64_t i = 1; i <= 3; ++i)
        hub.publish(makeFrame(i, 10));
    CHECK(a.frames.empty()); // delivered on the io thread, not the caller's
    io.run();
    CHECK(a.frames == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(b.frames == a.frames);
    REQUIRE(hub.latest());
    CHECK(hub.latest()->header.sequence == 3);

    subB.reset();
    hub.publish(makeFrame(4, 10));
    io.restart();
    io.run();
    CHECK(a.frames.back() == 4);
    CHECK(b.frames.size() == 3); // unsubscribed
    CHECK(hub.subscribers() == 1);
}

TEST_CASE("demand: the pipeline encodes while any subscription wants frames")
{
    asio::io_context io;
    FrameHub hub(io);
    Recorder a, b;
    CHECK_FALSE(hub.wanted());
    auto statusOnly = hub.subscribe(a, false);
    CHECK_FALSE(hub.wanted());
    {
        auto viewer = hub.subscribe(b);
        CHECK(hub.wanted());
        viewer.want(false);
        CHECK_FALSE(hub.wanted());
        viewer.want(true);
        viewer.want(true); // idempotent
        statusOnly.want(true);
        FrameHub::Subscription moved = std::move(viewer);
        CHECK(hub.wanted());
        statusOnly.reset();
        CHECK(hub.wanted()); // `moved` still wants
    }
    CHECK_FALSE(hub.wanted()); // dropped with its subscription
}

TEST_CASE("source status: changes reach subscribers, a repeated live does not")
{
    asio::io_context io;
    FrameHub hub(io);
    Recorder a;
    auto sub = hub.subscribe(a, false);
    hub.setSourceStatus(SourceState::Live, "camera 0"); // live after live: no news
    hub.setSourceStatus(SourceState::Down, "no frame for 2 s");
    hub.setSourceStatus(SourceState::Down, "reopening");
    hub.setSourceStatus(SourceState::Live, "back");
    io.run();
    REQUIRE(a.statuses.size() == 3);
    CHECK(a.statuses[0].text == "no frame for 2 s");
    CHECK(a.statuses[1].text == "reopening");
    CHECK(a.statuses[2].live());
    CHECK(hub.sourceStatus().text == "back");
}

TEST_CASE("subscribers may leave or join during a fan-out")
{
    asio::io_context io;
    FrameHub hub(io);
    Recorder first, second, late;
    FrameHub::Subscription subSecond = hub.subscribe(second);
    FrameHub::Subscription subLate;
    // The first subscriber, told a frame, drops the second and adds a third.
    auto subFirst = hub.subscribe(first);
    first.onEach = [&] {
        subSecond.reset();
        if (!subLate)
            subLate = hub.subscribe(late);
    };
    hub.publish(makeFrame(1, 10));
    hub.publish(makeFrame(2, 10));
    io.run();
    CHECK(second.frames == std::vector<std::uint64_t>{1}); // before first, in frame 1 only
    CHECK(first.frames == std::vector<std::uint64_t>{1, 2});
    CHECK(late.frames == std::vector<std::uint64_t>{1, 2}); // joined during frame 1's fan-out
    CHECK(hub.subscribers() == 2);
}

TEST_CASE("a subscription may outlive its hub, and frames posted after it are released")
{
    FrameHub::Subscription survivor;
    Recorder a;
    const int before = liveFrames.load();
    {
        asio::io_context io;
        FrameHub hub(io);
        survivor = hub.subscribe(a);
        hub.publish(makeFrame(1, 10)); // never run: io is destroyed with it queued
    }
    survivor.want(false);
    survivor.reset();
    CHECK(liveFrames.load() == before);
    CHECK(a.frames.empty());
}

TEST_CASE("the pacer sends in order while the link keeps up, and the newest once it catches up")
{
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket sender(io), receiver(io);
    sender.connect(acceptor.local_endpoint());
    acceptor.accept(receiver);
    PacingLimits limits;
    limits.maxQueuedFrames = 2;
    limits.maxOutstandingBytes = 16 * 1024;
    FramePacer pacer(sender, limits);

    // Queue bound: the oldest goes when a third frame comes.
    CHECK(pacer.offer(makeFrame(1, 10)) == 0);
    CHECK(pacer.offer(makeFrame(2, 10)) == 0);
    CHECK(pacer.offer(makeFrame(3, 10)) == 1);
    int retries = 0;
    const auto retry = [&retries] {
        ++retries;
    };
    auto next = pacer.next(retry);
    REQUIRE(next.frame);
    CHECK(next.frame->header.sequence == 2); // in order while there is room
    CHECK(next.skipped == 0);

    // The receiver stops reading: fill the sender's kernel queue past the limit.
    sender.non_blocking(true);
    std::vector<std::uint8_t> block(64 * 1024);
    std::size_t queued = 0;
    for (std::error_code error; !error && queued < 64 * 1024 * 1024;)
        queued += sender.write_some(asio::buffer(block), error);
    CHECK(pacer.offer(makeFrame(4, 10)) == 0);
    CHECK(pacer.offer(makeFrame(5, 10)) == 1); // 3 pushed out
    CHECK_FALSE(pacer.next(retry).frame);      // no room: a retry is armed
    CHECK_FALSE(pacer.next(retry).frame);      // and only one
    while (retries == 0 && io.run_one() > 0) { // the retry timer
    }
    CHECK(retries == 1);

    // The receiver drains everything: the newest frame goes, the other is skipped.
    std::vector<std::uint8_t> sink(256 * 1024);
    for (std::size_t drained = 0; drained < queued;)
        drained += receiver.read_some(asio::buffer(sink));
    for (int i = 0; i < 1000; ++i) { // the kernel acknowledges on loopback at once
        next = pacer.next(retry);
        if (next.frame)
            break;
        io.restart();
        io.run_one();
    }
    REQUIRE(next.frame);
    CHECK(next.frame->header.sequence == 5);
    CHECK(next.skipped == 1);
    CHECK(pacer.empty());
}

TEST_CASE("rungs: each subscriber gets the frames of its rung, and demand counts per rung")
{
    asio::io_context io;
    FrameHub hub(io);
    Recorder full, half;
    auto subFull = hub.subscribe(full);
    auto subHalf = hub.subscribe(half);
    CHECK(hub.wantedRungs() == maskOf(Rung::Full));
    subHalf.setRung(Rung::Half);
    CHECK(subHalf.rung() == Rung::Half);
    CHECK(hub.wantedRungs() == (maskOf(Rung::Full) | maskOf(Rung::Half)));

    const auto rendition = [](std::uint64_t sequence, Rung rung) {
        auto frame = std::const_pointer_cast<EncodedFrame>(makeFrame(sequence, 10));
        frame->header.rung = static_cast<std::uint8_t>(rung);
        frame->covers = maskOf(rung);
        return EncodedFramePtr(frame);
    };
    hub.publish(rendition(1, Rung::Full));
    hub.publish(rendition(101, Rung::Half));  // the same picture, smaller
    hub.publish(rendition(102, Rung::Lower)); // nobody is on it: nobody gets it
    hub.publish(makeFrame(3, 10));            // passed through: serves every rung
    io.run();
    CHECK(full.frames == std::vector<std::uint64_t>{1, 3});
    CHECK(half.frames == std::vector<std::uint64_t>{101, 3});
    REQUIRE(hub.latest());
    CHECK(hub.latest()->header.sequence == 3); // latest() is full-size only

    hub.publish(rendition(104, Rung::Half));
    io.restart();
    io.run();
    CHECK(hub.latest()->header.sequence == 3);

    subHalf.want(false);
    CHECK(hub.wantedRungs() == maskOf(Rung::Full));
    subHalf.want(true);
    subFull.reset();
    CHECK(hub.wantedRungs() == maskOf(Rung::Half));
    subHalf.setRung(Rung::Full);
    CHECK(hub.wantedRungs() == maskOf(Rung::Full));
    subHalf.reset();
    CHECK(hub.wantedRungs() == 0);
}
