// Logging that floods cannot fill: LogLimiter's decisions with injected time,
// and LimitedLog's lines as spdlog receives them.

#include <chrono>

#include <doctest/doctest.h>

#include "core/limited_log.h"
#include "core/log_limiter.h"
#include "support/log_capture.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

const LogLimiter::Clock::time_point kStart{1000s};

} // namespace

TEST_CASE("LogLimiter: the first event of a key is logged, the rest counted and summarised")
{
    LogLimiter limiter({.burst = 1, .window = 10s, .maxKeys = 8});
    CHECK(limiter.note("refused", "10.0.0.1", kStart));
    for (int i = 0; i < 5012; ++i)
        CHECK_FALSE(limiter.note("refused", "10.0.0.1", kStart + 1ms * i));
    // Another subject and another kind are news of their own.
    CHECK(limiter.note("refused", "10.0.0.2", kStart));
    CHECK(limiter.note("wrong key", "10.0.0.1", kStart));
    REQUIRE(limiter.nextDue());
    CHECK(*limiter.nextDue() == kStart + 10s);
    CHECK(limiter.due(kStart + 9s).empty()); // the window is not over

    const auto summaries = limiter.due(kStart + 10s);
    REQUIRE(summaries.size() == 1);
    CHECK(summaries[0].kind == "refused");
    CHECK(summaries[0].subject == "10.0.0.1");
    CHECK(summaries[0].count == 5012);
    CHECK(summaries[0].over == 10s);
    // The keys without further events are forgotten; the flooded one goes on
    // counting in a new window: one summary per window while the flood lasts.
    CHECK(limiter.tracked() == 1);
    CHECK_FALSE(limiter.note("refused", "10.0.0.1", kStart + 11s));
    const auto next = limiter.due(kStart + 20s);
    REQUIRE(next.size() == 1);
    CHECK(next[0].count == 1);
    // A window that ends quietly: the next event is news again.
    CHECK(limiter.due(kStart + 30s).empty());
    CHECK(limiter.tracked() == 0);
    CHECK(limiter.note("refused", "10.0.0.1", kStart + 31s));
    CHECK_FALSE(limiter.nextDue()); // nothing counted: no summary to wait for
}

TEST_CASE("LogLimiter: a few events of a key are logged one by one, then counted")
{
    LogLimiter limiter({.burst = 3, .window = 10s, .maxKeys = 8});
    // A stale viewer trying three times is seen in full.
    for (int i = 0; i < 3; ++i)
        CHECK(limiter.note("wrong key", "10.0.0.1", kStart + 1s * i));
    CHECK_FALSE(limiter.nextDue()); // nothing counted yet
    CHECK_FALSE(limiter.note("wrong key", "10.0.0.1", kStart + 3s));
    const auto summaries = limiter.due(kStart + 10s);
    REQUIRE(summaries.size() == 1);
    CHECK(summaries[0].count == 1);
    // The flood goes on: the next window only counts, one summary for it.
    for (int i = 0; i < 100; ++i)
        CHECK_FALSE(limiter.note("wrong key", "10.0.0.1", kStart + 11s));
    CHECK(limiter.due(kStart + 20s).at(0).count == 100);
    // Quiet for a window: the next ones are news again.
    CHECK(limiter.due(kStart + 30s).empty());
    CHECK(limiter.note("wrong key", "10.0.0.1", kStart + 31s));
    CHECK(limiter.note("wrong key", "10.0.0.1", kStart + 32s));
}

TEST_CASE("LogLimiter: memory stays bounded whatever the number of subjects")
{
    LogLimiter limiter({.burst = 1, .window = 10s, .maxKeys = 4});
    int logged = 0;
    for (int i = 0; i < 10000; ++i)
        logged += limiter.note("refused",
                               "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                               kStart + 1ms * i)
                      ? 1
                      : 0;
    // Four addresses, then everyone else shares one key.
    CHECK(limiter.tracked() == 5);
    CHECK(logged == 5);
    const auto summaries = limiter.drain(kStart + 10s);
    REQUIRE(summaries.size() == 1);
    CHECK(summaries[0].subject == LogLimiter::kOtherSubjects);
    CHECK(summaries[0].count == 10000 - 5);
    CHECK(limiter.tracked() == 0);
    // Keys whose window ended quietly make room before anyone is folded.
    for (int i = 0; i < 4; ++i)
        CHECK(limiter.note("refused", "a" + std::to_string(i), kStart));
    CHECK(limiter.note("refused", "fresh", kStart + 10s));
    CHECK(limiter.tracked() == 1);
}

TEST_CASE("LimitedLog: a flood of events writes one line and one summary per window")
{
    LogCapture capture;
    LimitedLog log({.burst = 1, .window = 10s, .maxKeys = 8});
    const LogKind kind{"refused", "refused {count} connections from {subject} in the last "
                                  "{seconds} s"};
    for (int i = 0; i < 5013; ++i)
        log.warn(kind, "127.0.0.1", kStart + 1ms * i, "connection from 127.0.0.1 refused");
    CHECK(capture.count("connection from 127.0.0.1 refused") == 1);
    log.flush(kStart + 10s);
    CHECK(capture.count("refused 5012 connections from 127.0.0.1 in the last 10 s") == 1);
    // When stopping, what is counted is written at once.
    log.warn(kind, "127.0.0.1", kStart + 11s, "connection from 127.0.0.1 refused");
    log.flushAll(kStart + 12s);
    CHECK(capture.count("refused 1 connections from 127.0.0.1 in the last 2 s") == 1);
    CHECK(capture.lines().size() == 3);
}
