// Motion detection on footage made here with known truth: a still scene with
// a sensor's temporal noise, something moving, a global light change, and
// movement again. Time is simulated at 30 fps.

#include <algorithm>
#include <optional>
#include <random>

#include <doctest/doctest.h>

#include "motion/motion_detector.h"
#include "support/printers.h"

using namespace pistream;
using namespace std::chrono_literals;

namespace {

constexpr int kWidth = 320, kHeight = 180;

// A textured still scene; each frame adds fresh noise, a brightness offset
// and, when `object` is set, a dark 30x30 square at that position.
class Footage {
public:
    Footage()
        : scene_(kWidth * kHeight), frame_(kWidth * kHeight), chroma_(kWidth * kHeight / 4, 128)
    {
        std::mt19937 random(3);
        for (int row = 0; row < kHeight; ++row)
            for (int col = 0; col < kWidth; ++col)
                scene_[static_cast<std::size_t>(row * kWidth + col)] =
                    static_cast<std::uint8_t>(60 + (col * 100) / kWidth + (row * 40) / kHeight +
                                              static_cast<int>(random() % 20));
    }

    const RawFrame& next(int brightness, std::optional<std::pair<int, int>> object)
    {
        for (std::size_t i = 0; i < scene_.size(); ++i) {
            const int noise = static_cast<int>(noise_() % 7) - 3; // +-3: a sensor's grain
            frame_[i] =
                static_cast<std::uint8_t>(std::clamp(scene_[i] + brightness + noise, 0, 255));
        }
        if (object)
            for (int row = object->second; row < object->second + 30 && row < kHeight; ++row)
                for (int col = object->first; col < object->first + 30 && col < kWidth; ++col)
                    frame_[static_cast<std::size_t>(row * kWidth + col)] = 15;
        raw_.format = PixelFormat::Yuv420;
        raw_.width = kWidth;
        raw_.height = kHeight;
        raw_.planes = {Plane{frame_.data(), kWidth}, Plane{chroma_.data(), kWidth / 2},
                       Plane{chroma_.data(), kWidth / 2}};
        ++raw_.sequence;
        return raw_;
    }

private:
    std::vector<std::uint8_t> scene_, frame_, chroma_;
    std::mt19937 noise_{11};
    RawFrame raw_;
};

struct Run {
    std::vector<std::pair<int, MotionEvents::Change>> changes; // frame index, change
    int lightChanges = 0;
};

} // namespace

TEST_CASE("noise and a light change start no event, and each movement starts exactly one, at once")
{
    MotionDetector detector;
    MotionEvents events({.minFrames = 2, .gap = 2s});
    Footage footage;
    Run run;
    auto now = MotionEvents::Clock::time_point{};
    int frame = 0;
    const auto play = [&](int frames, int brightness, bool moving) {
        for (int i = 0; i < frames; ++i, ++frame, now += 33ms) {
            const auto object =
                moving ? std::optional(std::pair(10 + i * 4 % 260, 60)) : std::nullopt;
            const auto sample = detector.analyse(footage.next(brightness, object));
            if (!sample)
                continue;
            run.lightChanges += sample->lightChange ? 1 : 0;
            if (const auto change = events.update(*sample, now);
                change != MotionEvents::Change::None)
                run.changes.emplace_back(frame, change);
        }
    };
    play(150, 0, false);  // 5 s of a still scene with noise: frames 0-149
    play(60, 0, true);    // 2 s of movement from frame 150
    play(120, 0, false);  // still: the event ends after the 2 s gap
    play(1, 30, false);   // the lights go on: frame 330
    play(120, 30, false); // and stay on
    play(60, 30, true);   // movement again from frame 451
    play(120, 30, false);

    using Change = MotionEvents::Change;
    REQUIRE(run.changes.size() == 4);
    CHECK(run.changes[0].second == Change::Started);
    CHECK(run.changes[0].first >= 150);
    CHECK(run.changes[0].first <= 150 + 30); // within a second of the movement
    CHECK(run.changes[1].second == Change::Ended);
    CHECK(run.changes[2].second == Change::Started);
    CHECK(run.changes[2].first >= 451);
    CHECK(run.changes[2].first <= 451 + 30);
    CHECK(run.changes[3].second == Change::Ended);
    CHECK(run.lightChanges >= 1); // seen, and re-learnt rather than called motion
    CHECK(events.peakScore() > 0);
}

TEST_CASE("the moving region's box, and masks that ignore it or watch elsewhere")
{
    const auto peakBox = [](const MotionConfig& config) {
        MotionDetector detector(config);
        Footage footage;
        std::optional<MotionSample> last;
        for (int i = 0; i < 30; ++i)
            detector.analyse(footage.next(0, std::nullopt));
        for (int i = 0; i < 10; ++i)
            if (auto sample = detector.analyse(footage.next(0, std::pair(200 + i * 3, 100))))
                last = sample;
        REQUIRE(last);
        return *last;
    };
    const MotionSample open = peakBox({});
    CHECK(open.motion);
    CHECK(open.box[0] == doctest::Approx(200.0 / kWidth).epsilon(0.05));
    CHECK(open.box[1] == doctest::Approx(100.0 / kHeight).epsilon(0.08));
    CHECK(open.box[2] > 0.05);

    MotionConfig ignoring;
    ignoring.masks = {parseMotionMask("ignore:0.5,0 1,0 1,1 0.5,1")}; // the right half
    CHECK_FALSE(peakBox(ignoring).motion);
    MotionConfig watchingLeft;
    watchingLeft.masks = {parseMotionMask("watch:0,0 0.5,0 0.5,1 0,1")};
    CHECK_FALSE(peakBox(watchingLeft).motion);
    MotionConfig watchingRight;
    watchingRight.masks = {parseMotionMask("watch:0.5,0 1,0 1,1 0.5,1")};
    CHECK(peakBox(watchingRight).motion);
}

TEST_CASE("motion masks parse, and bad ones say what is wrong")
{
    const MotionMask mask = parseMotionMask("watch:0,0 0.25,0 0.25,0.5");
    CHECK(mask.watch);
    REQUIRE(mask.points.size() == 3);
    CHECK(mask.points[1][0] == 0.25);
    CHECK_THROWS_WITH_AS(parseMotionMask("hide:0,0 1,0 1,1"),
                         "motion mask 'hide:0,0 1,0 1,1': expected ignore:X,Y X,Y X,Y ... or "
                         "watch:...",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(parseMotionMask("ignore:0,0 1,0"),
                         "motion mask 'ignore:0,0 1,0': needs at least three points",
                         std::invalid_argument);
    for (const char* bad : {"ignore:0,0 1.5,0 1,1", "ignore:0,0 a,0 1,1", "ignore:0,0 1;0 1,1",
                            "ignore:0,0 1,0x 1,1", "ignore:0,0 -0,-1 1,1"})
        CHECK_THROWS_AS(parseMotionMask(bad), std::invalid_argument);
}

TEST_CASE("events: minimum frames in a row, the gap, and an end without frames")
{
    MotionEvents events({.minFrames = 3, .gap = 10s});
    using Change = MotionEvents::Change;
    auto now = MotionEvents::Clock::time_point{};
    const MotionSample moving{0.1, true, false, {0.1, 0.1, 0.2, 0.2}};
    const MotionSample still{};
    CHECK(events.update(moving, now) == Change::None);
    CHECK(events.update(moving, now += 1s) == Change::None);
    CHECK(events.update(still, now += 1s) == Change::None); // the count starts again
    CHECK(events.update(moving, now += 1s) == Change::None);
    CHECK(events.update(moving, now += 1s) == Change::None);
    CHECK(events.update(moving, now += 1s) == Change::Started);
    CHECK(events.active());
    CHECK(events.update(MotionSample{0.3, true, false, {0, 0, 1, 1}}, now += 1s) == Change::None);
    CHECK(events.peakScore() == 0.3);
    CHECK(events.update(still, now += 9s) == Change::None); // 9 s since the last motion
    CHECK(events.tick(now += 999ms) == Change::None);
    CHECK(events.tick(now += 1ms) == Change::Ended);
    CHECK_FALSE(events.active());
    CHECK(events.tick(now += 1h) == Change::None);
}

TEST_CASE("every Nth frame is analysed, and frames without planes are not")
{
    MotionConfig config;
    config.everyNth = 3;
    MotionDetector detector(config);
    Footage footage;
    int analysed = 0;
    for (int i = 0; i < 30; ++i)
        analysed += detector.analyse(footage.next(0, std::nullopt)) ? 1 : 0;
    CHECK(analysed == 9); // 10 of 30 handed over, the first of them only learns
    RawFrame jpeg;
    jpeg.format = PixelFormat::Mjpeg;
    jpeg.width = 64;
    jpeg.height = 48;
    CHECK_FALSE(detector.analyse(jpeg));
    MotionConfig tiny;
    tiny.analysisWidth = 4;
    CHECK_THROWS_AS(MotionDetector{tiny}, std::invalid_argument);
}
