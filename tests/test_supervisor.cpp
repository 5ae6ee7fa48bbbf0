// SourceSupervisor: a source that stops delivering is reported down, reopened
// (with backoff when reopening fails) and reported live again.

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "sources/source_supervisor.h"
#include "support/fake_source.h"
#include "support/printers.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

const StreamFormat kFormat{64, 48, 30, 1, PixelFormat::Yuv420};

FramePtr frameNumbered(std::uint64_t sequence)
{
    auto frame = std::make_shared<RawFrame>();
    frame->width = 64;
    frame->height = 48;
    frame->sequence = sequence;
    return frame;
}

// What the supervisor reports, collected thread-safely.
struct Observer {
    std::mutex mutex;
    std::vector<std::uint64_t> sequences;
    std::vector<std::pair<SourceState, std::string>> states;

    FrameSource::Callbacks callbacks()
    {
        return {[this](FramePtr frame) {
                    std::lock_guard lock(mutex);
                    sequences.push_back(frame->sequence);
                },
                [this](SourceState state, const std::string& text) {
                    std::lock_guard lock(mutex);
                    states.emplace_back(state, text);
                }};
    }
    template <typename Predicate>
    bool waitFor(Predicate done, std::chrono::milliseconds timeout = 5s)
    {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            {
                std::lock_guard lock(mutex);
                if (done())
                    return true;
            }
            std::this_thread::sleep_for(5ms);
        }
        return false;
    }
};

// Fake sources for a supervisor: the first, and each one it reopens, with
// the newest at hand for the test to push frames through.
struct Sources {
    std::atomic<FakeSource*> latest{nullptr};
    std::atomic<int> opened{0};

    std::unique_ptr<FrameSource> first()
    {
        auto source = std::make_unique<FakeSource>(kFormat);
        latest = source.get();
        return source;
    }
    SourceSupervisor::Opener opener()
    {
        return [this] {
            auto source = first();
            ++opened;
            return source;
        };
    }
};

} // namespace

TEST_CASE(
    "a stalled source is reported down, reopened, and live again with rising sequence numbers")
{
    Sources sources;
    SourceSupervisor supervisor(sources.first(), sources.opener(), 200ms);
    auto& latest = sources.latest;
    auto& opened = sources.opened;
    Observer observer;
    supervisor.start(observer.callbacks());

    for (std::uint64_t i = 0; i < 5; ++i)
        latest.load()->push(frameNumbered(i));
    // Then nothing: after 200 ms it is down and reopened.
    REQUIRE(observer.waitFor([&] { return opened == 1 && latest.load()->started(); }));
    REQUIRE(observer.waitFor([&] {
        return std::any_of(observer.states.begin(), observer.states.end(),
                           [](auto& s) { return s.first == SourceState::Down; });
    }));
    // The new source starts counting at 0 again; viewers still see rising numbers.
    for (std::uint64_t i = 0; i < 3; ++i)
        latest.load()->push(frameNumbered(i));
    REQUIRE(observer.waitFor([&] { return observer.sequences.size() == 8; }));
    supervisor.stop();

    std::lock_guard lock(observer.mutex);
    CHECK(std::is_sorted(observer.sequences.begin(), observer.sequences.end()));
    CHECK(observer.sequences[5] == 5); // right after the last one before the stall
    CHECK(observer.states.back().first == SourceState::Live);
    CHECK(observer.states.back().second.find("back") != std::string::npos);
    CHECK(supervisor.restarts() == 1);
}

TEST_CASE("when reopening fails it says why and keeps trying, backing off")
{
    std::atomic<int> attempts{0};
    std::atomic<FakeSource*> latest{nullptr};
    SourceSupervisor supervisor(
        std::make_unique<FakeSource>(kFormat),
        [&]() -> std::unique_ptr<FrameSource> {
            if (++attempts < 3)
                throw std::runtime_error("camera unplugged");
            auto source = std::make_unique<FakeSource>(kFormat);
            latest = source.get();
            return source;
        },
        100ms);
    Observer observer;
    supervisor.start(observer.callbacks());
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(observer.waitFor([&] { return latest.load() != nullptr && latest.load()->started(); },
                             10s));
    const auto took = std::chrono::steady_clock::now() - started;
    latest.load()->push(frameNumbered(0));
    REQUIRE(observer.waitFor([&] { return observer.sequences.size() == 1; }));
    supervisor.stop();

    CHECK(attempts == 3);
    CHECK(took >= 500ms); // it waited (backoff) rather than spinning on a missing camera
    std::lock_guard lock(observer.mutex);
    CHECK(std::any_of(observer.states.begin(), observer.states.end(), [](auto& s) {
        return s.first == SourceState::Down &&
               s.second.find("camera unplugged") != std::string::npos;
    }));
    CHECK(observer.states.back().first == SourceState::Live);
}

TEST_CASE("a source that reports itself down is restarted at once, not after the stall timeout")
{
    Sources sources;
    // A stall timeout so long that frames alone would never trigger a restart.
    SourceSupervisor supervisor(sources.first(), sources.opener(), std::chrono::hours(1));
    auto& latest = sources.latest;
    auto& opened = sources.opened;
    Observer observer;
    supervisor.start(observer.callbacks());
    latest.load()->push(frameNumbered(0));
    latest.load()->setState(SourceState::Down, "camera 0 imx219: camera disconnected");

    // The new source is pushed to once the supervisor has started it.
    REQUIRE(observer.waitFor([&] { return opened == 1 && latest.load()->started(); }));
    latest.load()->push(frameNumbered(0));
    REQUIRE(observer.waitFor([&] { return observer.sequences.size() == 2; }));
    supervisor.stop();

    std::lock_guard lock(observer.mutex);
    CHECK(std::any_of(observer.states.begin(), observer.states.end(), [](auto& s) {
        return s.first == SourceState::Down &&
               s.second.find("camera disconnected") != std::string::npos;
    }));
    CHECK(observer.states.back().first == SourceState::Live);
    CHECK(observer.sequences == std::vector<std::uint64_t>{0, 1});
}
