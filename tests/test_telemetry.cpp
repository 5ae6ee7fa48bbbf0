// The server's telemetry: one snapshot of what the stages count, and the
// figures every report (stats line, /api/status, systemd STATUS) shows of it.

#include <doctest/doctest.h>

#include "core/rate_meter.h"
#include "telemetry/telemetry.h"

using namespace pistream;
using namespace std::chrono_literals;

namespace {

TelemetrySnapshot snapshotWith(std::uint64_t framesIn, std::uint64_t framesOut,
                               std::uint64_t bytesSent)
{
    TelemetrySnapshot s;
    s.pipeline.framesIn = framesIn;
    s.pipeline.framesOut = framesOut;
    s.pipeline.framesDropped = framesIn - framesOut;
    s.pipeline.jpegBytes = framesOut * 1000;
    s.pipeline.payloadBytes = framesOut * 750;
    s.pipeline.encodeMillis = static_cast<double>(framesOut) * 4;
    s.stream.totals.framesSent = framesOut * 2;
    s.stream.totals.bytesSent = bytesSent;
    s.stream.totals.framesSkipped = framesOut / 10;
    return s;
}

} // namespace

TEST_CASE("a period meter closes periods of at least its length, with the time passed in")
{
    const PeriodMeter<int>::Clock::time_point t0{};
    PeriodMeter<int> meter(1s);
    CHECK_FALSE(meter.update(t0, 5)); // starts the first period
    CHECK_FALSE(meter.update(t0 + 999ms, 7));
    CHECK(meter.update(t0 + 1500ms, 20));
    CHECK(meter.first() == 5);
    CHECK(meter.last() == 20);
    CHECK(meter.seconds() == doctest::Approx(1.5));
    CHECK_FALSE(meter.update(t0 + 2s, 21)); // the next period started at 1.5 s

    PeriodMeter<int> everyCall(0s);
    CHECK_FALSE(everyCall.update(t0, 1));
    CHECK_FALSE(everyCall.update(t0, 2)); // no time passed: nothing to divide by
    CHECK(everyCall.update(t0 + 10ms, 3));
    CHECK(everyCall.first() == 1); // from the period's start, not the skipped call

    RateMeter rate(1s);
    CHECK(rate.update(t0, 0) == 0);
    CHECK(rate.update(t0 + 2s, 60) == doctest::Approx(30));
}

TEST_CASE("telemetry figures: rates per second and averages per encoded frame")
{
    const auto f = TelemetryFigures::between(snapshotWith(100, 90, 1'000'000),
                                             snapshotWith(160, 140, 3'000'000), 2.0);
    CHECK(f.fpsIn == doctest::Approx(30));
    CHECK(f.fpsOut == doctest::Approx(25));
    CHECK(f.framesSentPerSecond == doctest::Approx(50));
    CHECK(f.megabitsPerSecond == doctest::Approx(8));
    CHECK(f.dropped == 10);
    CHECK(f.skipped == 5);
    CHECK(f.encodeMillis == doctest::Approx(4));
    CHECK(f.gzipSavingPercent == doctest::Approx(25));

    const auto idle =
        TelemetryFigures::between(snapshotWith(100, 90, 5), snapshotWith(100, 90, 5), 1.0);
    CHECK(idle.fpsIn == 0);
    CHECK(idle.encodeMillis == 0); // no frames: no average, not a division by zero
    CHECK(idle.gzipSavingPercent == 0);
}

TEST_CASE("a telemetry meter reports the figures of its last closed period")
{
    const TelemetryMeter::Clock::time_point t0{};
    TelemetryMeter meter(1s);
    CHECK_FALSE(meter.update(t0, snapshotWith(0, 0, 0)));
    CHECK_FALSE(meter.update(t0 + 500ms, snapshotWith(15, 15, 0)));
    CHECK(meter.figures().fpsIn == 0); // nothing closed yet
    REQUIRE(meter.update(t0 + 1s, snapshotWith(30, 30, 0)));
    CHECK(meter.figures().fpsIn == doctest::Approx(30));
    CHECK_FALSE(meter.update(t0 + 1500ms, snapshotWith(30, 30, 0)));
    CHECK(meter.figures().fpsIn == doctest::Approx(30)); // still the last closed one
}
