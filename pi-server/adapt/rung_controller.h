#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "core/rung.h"

namespace pistream {

// What the kernel says about one viewer's TCP connection (TCP_INFO, SIOCOUTQ).
struct LinkSample {
    double deliveryRate = 0; // bytes/s the link delivered lately (tcpi_delivery_rate); 0: unknown
    bool appLimited = false; // that rate was measured while we had little to send
    std::uint32_t rttMicros = 0;
    std::size_t unsentBytes = 0;
};

struct AdaptConfig {
    // A rung fits a link when its bytes per second, times this, are within
    // what the link delivers: room for the frames' burstiness.
    double downHeadroom = 1.1;
    // ... and to step up, the better rung must fit with this much to spare,
    // so a viewer on a steady link settles instead of flapping between two rungs.
    double upHeadroom = 1.3;
    // Skipped frames within `congestionWindow` that mean the rung does not fit.
    std::size_t congestedSkips = 2;
    std::chrono::milliseconds congestionWindow{1000};
    // After any change, no step down for this long: the queue left by the old
    // rung drains before the new one is judged.
    std::chrono::milliseconds settle{500};
    // Headroom held, with no congestion, this long before stepping up; doubled
    // (up to `maxUpAfter`) each time a step up had to be taken back.
    std::chrono::milliseconds upAfter{4000};
    std::chrono::milliseconds maxUpAfter{32000};
    // A step up that meets congestion within this long was a mistake.
    std::chrono::milliseconds probation{3000};
};

// Chooses one viewer's rung of the adaptive ladder from its link, as a pure
// function of what it is told and the time it is given (no clock, no socket),
// so recorded TCP_INFO sequences can be replayed in tests.
//
// It steps down within about a second of the link falling: frames are skipped
// (the socket's queue is full) and the rung chosen is the best one whose
// bytes per second fit what the link delivered lately (a smoothed
// tcpi_delivery_rate, or the last sample if that is lower and was measured
// with the link busy), at least one step down. It steps up only when a better
// rung has fitted that rate with `upHeadroom` to spare, and nothing was
// skipped, for the whole of `upAfter`; a step up that meets congestion soon
// after doubles the wait before the next. Rung sizes come from the
// frames the viewer is offered; a rung never seen is estimated from a seen one.
//
// The viewer may cap the ladder's top (ADAPT 1.3: it draws pictures small
// enough that half size covers them): no rung above the ceiling is chosen.
// Policies other than Framerate always answer the ceiling (Full by default).
class RungController {
public:
    using Clock = std::chrono::steady_clock;

    explicit RungController(AdaptPolicy policy = AdaptPolicy::Framerate,
                            const AdaptConfig& config = {});

    void setPolicy(AdaptPolicy policy);
    AdaptPolicy policy() const { return policy_; }
    // The best rung allowed (Full or Half), in effect at once: lowered, the
    // rung drops to it; raised, the rung goes to it as a new connection
    // starts at the top, and steps down from there if the link says so.
    void setCeiling(Clock::time_point now, Rung ceiling);
    Rung ceiling() const { return ceiling_; }

    // A frame offered to the viewer: its rung, size on the wire and capture time
    // (for the source's frame rate).
    void noteFrame(Rung rung, std::size_t bytes, std::int64_t captureMicros);
    // Frames the viewer's pacer skipped because the link was behind.
    void noteSkipped(Clock::time_point now, std::size_t frames);
    // A link sample; returns the rung to send from now on.
    Rung update(Clock::time_point now, const LinkSample& sample);

    Rung rung() const { return rung_; }
    std::uint64_t changes() const { return changes_; }
    // Estimates, for the stats and the tests.
    double framesPerSecond() const { return fps_; }
    double bytesPerFrame(Rung rung) const;
    double recentRate() const { return recent_; }

private:
    bool congested(Clock::time_point now) const;
    // The best rung at or below `from` (in ladder order) fitting `rate` with `headroom`.
    Rung bestFitting(double rate, double headroom, Rung from) const;
    void change(Clock::time_point now, Rung rung);

    AdaptPolicy policy_;
    AdaptConfig config_;
    Rung rung_ = Rung::Full;
    Rung ceiling_ = Rung::Full;
    std::uint64_t changes_ = 0;

    std::array<double, kRungCount> bytes_{}; // smoothed bytes per frame; 0: not seen
    double fps_ = 0;
    std::int64_t lastCapture_ = 0;

    double recent_ = 0; // delivery rate, smoothed over about half a second
    double latest_ = 0; // the last sample's, if it was not app-limited
    Clock::time_point lastSample_{};
    std::deque<Clock::time_point> skips_; // in congestionWindow

    Clock::time_point lastChange_{};
    std::optional<Clock::time_point> headroomSince_; // a better rung has fitted since
    bool steppedUp_ = false;                         // the last change was up, still on probation
    std::chrono::milliseconds upAfter_;
};

} // namespace pistream
