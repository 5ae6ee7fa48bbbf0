#pragma once

#include <vector>

#include "core/frame_pool.h"
#include "sources/paced_source.h"

namespace pistream {

// The built-in animated test pattern: scrolling colour bars over a grey ramp, a
// bouncing box, and the frame counter and wall-clock time burned into the top
// left, so a person sees it is live and a test sees frames change. Rows are
// copied from precomputed templates, so a 1080p frame costs a few memcpy calls.
class TestPatternSource : public PacedSource {
public:
    // stallAfter > 0: deliver that many frames, then none (a camera that hangs,
    // for testing the watchdog and fault handling).
    TestPatternSource(int width, int height, double fps, std::uint64_t stallAfter = 0);
    ~TestPatternSource() override;

    StreamFormat format() const override { return format_; }
    std::string describe() const override;

protected:
    FramePtr produce(std::uint64_t sequence, std::int64_t captureMicros) override;

private:
    void drawText(RawFrame& frame, int x, int y, const std::string& text) const;
    void drawBox(RawFrame& frame, std::uint64_t sequence) const;

    StreamFormat format_;
    FramePool pool_;
    std::uint64_t stallAfter_;
    int scale_; // glyph pixel size
    // Each template is two periods wide, so a scrolled row is one memcpy.
    std::vector<std::uint8_t> barsY_, barsU_, barsV_, rampY_;
};

} // namespace pistream
