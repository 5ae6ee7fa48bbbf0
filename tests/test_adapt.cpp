// The adaptive ladder's policy (RungController), fed with the link a viewer
// would see: a simulated socket queue that drains at the link's rate, the
// pacer's skips when it is full, and TCP_INFO's delivery rate. No clock and no
// socket: time is a counter, so the same run happens on any machine.

#include <algorithm>
#include <functional>

#include <doctest/doctest.h>

#include "adapt/rung_controller.h"
#include "support/printers.h"

using namespace pistream;

namespace {

using Clock = RungController::Clock;

// Bytes per frame of each rung for the simulated camera (about the ratios of
// a 1280x720 photograph pan at quality 80 and 50).
constexpr std::array<std::size_t, kRungCount> kRungBytes{40000, 22000, 12000, 7000};
constexpr double kFps = 30;
constexpr std::size_t kQueueLimit = 64 * 1024; // the pacer's --send-buffer

struct Run {
    std::vector<Rung> rungs; // per frame
    std::uint64_t changes = 0;
    std::size_t skipped = 0;
};

// `capacity(seconds)`: what the link carries, bytes/s.
// `ceiling(seconds)`, when given: the best rung the viewer asks for (ADAPT 1.3).
Run simulate(double seconds, const std::function<double(double)>& capacity,
             AdaptPolicy policy = AdaptPolicy::Framerate,
             const std::function<Rung(double)>& ceiling = {})
{
    RungController controller(policy);
    Run run;
    double queued = 0;
    const Clock::time_point start{};
    const auto frames = static_cast<int>(seconds * kFps);
    for (int i = 0; i < frames; ++i) {
        const double t = i / kFps;
        const auto now = start + std::chrono::microseconds(static_cast<std::int64_t>(t * 1e6));
        const double rate = capacity(t);
        if (ceiling)
            controller.setCeiling(now, ceiling(t));
        queued = std::max(0.0, queued - rate / kFps);
        const Rung rung = controller.rung();
        const std::size_t bytes = kRungBytes[indexOf(rung)];
        controller.noteFrame(rung, bytes, 1 + static_cast<std::int64_t>(t * 1e6));
        if (queued + static_cast<double>(bytes) > static_cast<double>(kQueueLimit)) {
            controller.noteSkipped(now, 1); // the pacer keeps the newest, skips this one
            ++run.skipped;
        } else {
            queued += static_cast<double>(bytes);
        }
        LinkSample sample;
        sample.deliveryRate = rate;
        sample.unsentBytes = static_cast<std::size_t>(queued);
        controller.update(now, sample);
        run.rungs.push_back(controller.rung());
    }
    run.changes = controller.changes();
    return run;
}

// The first frame at or after `from` seconds on a rung that fits `rate`.
double settledAt(const Run& run, double from, double rate)
{
    for (auto i = static_cast<std::size_t>(from * kFps); i < run.rungs.size(); ++i)
        if (static_cast<double>(kRungBytes[indexOf(run.rungs[i])]) * kFps <= rate)
            return static_cast<double>(i) / kFps;
    return 1e9;
}

constexpr double kMbit = 1e6 / 8; // bytes/s

} // namespace

TEST_CASE("a link with room keeps the full rung and never changes")
{
    const Run run = simulate(60, [](double) { return 16 * kMbit; });
    CHECK(run.changes == 0);
    CHECK(run.skipped == 0);
    CHECK(run.rungs.back() == Rung::Full);
}

TEST_CASE("a steady link too slow for the full rung settles on one rung, once")
{
    // 8 Mbit/s: full needs 9.6, lower 5.3: one step, then no flapping.
    const Run run = simulate(60, [](double) { return 8 * kMbit; });
    CHECK(run.changes == 1);
    CHECK(run.rungs.back() == Rung::Lower);
    CHECK(settledAt(run, 0, 8 * kMbit) < 1.5);
}

TEST_CASE("a link that falls and recovers: down within a second and a half, up only after headroom")
{
    const Run run =
        simulate(40, [](double t) { return t >= 10 && t < 20 ? 4 * kMbit : 16 * kMbit; });
    // Down: a rung that fits 4 Mbit/s soon after the fall.
    const double down = settledAt(run, 10, 4 * kMbit);
    CHECK(down - 10 < 1.5);
    CHECK(run.rungs[static_cast<std::size_t>(19 * kFps)] != Rung::Full);
    // In one step: the busy link's own delivery rate, not the smoothed one
    // that still remembers 16 Mbit/s, chooses the rung.
    std::size_t downSteps = 0;
    for (auto i = static_cast<std::size_t>(10 * kFps); i < static_cast<std::size_t>(20 * kFps); ++i)
        downSteps += run.rungs[i] != run.rungs[i - 1] ? 1U : 0U;
    CHECK(downSteps == 1);
    // Up: not during the first seconds of headroom, then back to full.
    const auto rungAt = [&](double t) {
        return run.rungs[static_cast<std::size_t>(t * kFps)];
    };
    CHECK(rungAt(22) != Rung::Full);
    CHECK(rungAt(30) == Rung::Full);
    CHECK(run.rungs.back() == Rung::Full);
    CHECK(run.changes <= 4);
}

TEST_CASE("a flapping link: a step up that fails makes the next one wait longer")
{
    // 5 s at 16 Mbit/s, 5 s at 3 Mbit/s, over and over. Stepping up after
    // each 4 s of headroom would change rungs twice per cycle (12 times);
    // the doubling wait stops it after the first failed step up.
    const Run run = simulate(
        60, [](double t) { return static_cast<int>(t / 5) % 2 == 0 ? 16 * kMbit : 3 * kMbit; });
    CHECK(run.changes >= 2); // it did react
    CHECK(run.changes <= 6);
}

TEST_CASE("policies other than framerate always answer the full rung")
{
    for (const AdaptPolicy policy : {AdaptPolicy::Off, AdaptPolicy::Quality}) {
        const Run run = simulate(
            10, [](double) { return 2 * kMbit; }, policy);
        CHECK(run.changes == 0);
        CHECK(run.rungs.back() == Rung::Full);
        CHECK(run.skipped > 0); // frames skipped instead, as before 1.2
    }
}

TEST_CASE("a viewer drawing at half size gets half size at once, whatever its policy")
{
    for (const AdaptPolicy policy :
         {AdaptPolicy::Framerate, AdaptPolicy::Quality, AdaptPolicy::Off}) {
        CAPTURE(policy);
        const Run run = simulate(
            10, [](double) { return 200 * kMbit; }, policy, [](double) { return Rung::Half; });
        CHECK(run.rungs.front() == Rung::Half);
        CHECK(run.rungs.back() == Rung::Half);
        CHECK(run.changes == 1); // never above the ceiling, not even trying
        CHECK(run.skipped == 0);
    }
}

TEST_CASE("under a half-size ceiling a slow link still steps down, and never above it")
{
    // 2 Mbit/s carries the half-lower rung (7000 B x 30) but not half (12000 B x 30).
    const Run run = simulate(
        20, [](double) { return 2 * kMbit; }, AdaptPolicy::Framerate,
        [](double) { return Rung::Half; });
    CHECK(run.rungs.back() == Rung::HalfLower);
    CHECK(std::count(run.rungs.begin(), run.rungs.end(), Rung::Full) == 0);
    CHECK(std::count(run.rungs.begin(), run.rungs.end(), Rung::Lower) == 0);
}

TEST_CASE("lifting the ceiling (the tile focused, a recording) goes to full at once")
{
    const auto ceiling = [](double t) {
        return t < 5 ? Rung::Half : Rung::Full;
    };
    const Run run = simulate(
        10, [](double) { return 200 * kMbit; }, AdaptPolicy::Framerate, ceiling);
    const auto lifted = static_cast<std::size_t>(5 * kFps);
    CHECK(run.rungs[lifted - 1] == Rung::Half);
    CHECK(run.rungs[lifted] == Rung::Full); // no wait for headroom: it was asked for
    CHECK(run.rungs.back() == Rung::Full);
    CHECK(run.changes == 2);
}

TEST_CASE("a step down uses the busy link's last rate only while it is the last sample")
{
    const auto stepAfter = [](double lastRate) {
        RungController controller;
        const Clock::time_point t{std::chrono::seconds(10)};
        for (std::int64_t i = 0; i < 30; ++i)
            controller.noteFrame(Rung::Full, 40000, 1 + i * 33'333);
        LinkSample sample;
        sample.deliveryRate = 16 * kMbit;
        controller.update(t, sample);
        sample.deliveryRate = 1 * kMbit; // busy, and slow: 1 ms later, barely in the smoothed rate
        controller.update(t + std::chrono::milliseconds(1), sample);
        sample.deliveryRate = lastRate;
        controller.update(t + std::chrono::milliseconds(2), sample);
        controller.noteSkipped(t + std::chrono::milliseconds(3), 2);
        return controller.update(t + std::chrono::milliseconds(3), sample);
    };
    CHECK(stepAfter(1 * kMbit) == Rung::HalfLower); // the busy link says 1 Mbit/s
    CHECK(stepAfter(0) == Rung::Lower);             // no rate since: the smoothed one, one step
}

TEST_CASE("rung sizes never seen are estimated from a seen one, and corrected when seen")
{
    RungController controller;
    CHECK(controller.bytesPerFrame(Rung::Half) == 0);
    controller.noteFrame(Rung::Full, 40000, 1);
    CHECK(controller.bytesPerFrame(Rung::Half) == doctest::Approx(12000));
    controller.noteFrame(Rung::Half, 9000, 2);
    CHECK(controller.bytesPerFrame(Rung::Half) == doctest::Approx(9000));
    CHECK(controller.bytesPerFrame(Rung::HalfLower) == doctest::Approx(9000 * 0.17 / 0.3));
}

TEST_CASE("the frame rate comes from capture times, and a pause is not a rate")
{
    RungController controller;
    for (std::int64_t i = 0; i < 60; ++i)
        controller.noteFrame(Rung::Full, 1000, 1'000'000 + i * 33'333);
    CHECK(controller.framesPerSecond() == doctest::Approx(30).epsilon(0.01));
    controller.noteFrame(Rung::Full, 1000, 100'000'000); // the source was down for a while
    CHECK(controller.framesPerSecond() == doctest::Approx(30).epsilon(0.01));
}
