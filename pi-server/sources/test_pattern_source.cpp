#include "sources/test_pattern_source.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace pistream {

namespace {

// 75% colour bars in BT.601 limited-range YUV: white, yellow, cyan, green,
// magenta, red, blue, black.
constexpr std::array<std::array<std::uint8_t, 3>, 8> kBars{{
    {180, 128, 128},
    {162, 44, 142},
    {131, 156, 44},
    {112, 72, 58},
    {84, 184, 198},
    {65, 100, 212},
    {35, 212, 114},
    {16, 128, 128},
}};

// 5x7 glyphs, one byte per row, bit 4 is the leftmost pixel.
struct Glyph {
    char c;
    std::array<std::uint8_t, 7> rows;
};
constexpr std::array<Glyph, 23> kFont{{
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {'#', {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
}};

const Glyph* findGlyph(char c)
{
    for (const Glyph& glyph : kFont)
        if (glyph.c == c)
            return &glyph;
    return nullptr; // drawn as a space
}

constexpr int kGlyphCell = 6; // 5 pixels and a gap
constexpr int kGlyphRows = 7;

std::uint8_t* row(const RawFrame& frame, int plane, int y)
{
    const Plane& p = frame.planes[static_cast<std::size_t>(plane)];
    return const_cast<std::uint8_t*>(p.data) + static_cast<std::ptrdiff_t>(y) * p.stride;
}

void fillRect(RawFrame& frame, int x0, int y0, int x1, int y1, std::uint8_t y, std::uint8_t u,
              std::uint8_t v)
{
    x0 = std::clamp(x0, 0, frame.width);
    x1 = std::clamp(x1, 0, frame.width);
    y0 = std::clamp(y0, 0, frame.height);
    y1 = std::clamp(y1, 0, frame.height);
    if (x0 >= x1 || y0 >= y1)
        return;
    for (int line = y0; line < y1; ++line)
        std::memset(row(frame, 0, line) + x0, y, static_cast<std::size_t>(x1 - x0));
    for (int line = y0 / 2; line < (y1 + 1) / 2; ++line) {
        std::memset(row(frame, 1, line) + x0 / 2, u,
                    static_cast<std::size_t>((x1 + 1) / 2 - x0 / 2));
        std::memset(row(frame, 2, line) + x0 / 2, v,
                    static_cast<std::size_t>((x1 + 1) / 2 - x0 / 2));
    }
}

std::string wallClock()
{
    using namespace std::chrono;
    const auto now = system_clock::now();
    const std::time_t seconds = system_clock::to_time_t(now);
    const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min,
                  local.tm_sec, static_cast<int>(millis));
    return text;
}

} // namespace

TestPatternSource::TestPatternSource(int width, int height, double fps, std::uint64_t stallAfter)
    : pool_(width, height, 4), stallAfter_(stallAfter), scale_(std::max(1, height / 180))
{
    format_.width = width;
    format_.height = height;
    format_.fpsNumerator = static_cast<std::uint32_t>(std::lround(fps * 1000));
    format_.fpsDenominator = 1000;

    // Bars: one period is the frame width; templates hold two periods.
    const int chromaWidth = chromaSize(width);
    barsY_.resize(static_cast<std::size_t>(2 * width));
    rampY_.resize(static_cast<std::size_t>(width));
    for (int x = 0; x < 2 * width; ++x) {
        const auto bar = static_cast<std::size_t>((x % width) * 8 / width);
        barsY_[static_cast<std::size_t>(x)] = kBars[bar][0];
    }
    barsU_.resize(static_cast<std::size_t>(2 * chromaWidth));
    barsV_.resize(static_cast<std::size_t>(2 * chromaWidth));
    for (int x = 0; x < 2 * chromaWidth; ++x) {
        const auto bar = static_cast<std::size_t>((x % chromaWidth) * 8 / chromaWidth);
        barsU_[static_cast<std::size_t>(x)] = kBars[bar][1];
        barsV_[static_cast<std::size_t>(x)] = kBars[bar][2];
    }
    for (int x = 0; x < width; ++x)
        rampY_[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(16 + x * 219 / width);
}

TestPatternSource::~TestPatternSource()
{
    stop();
}

std::string TestPatternSource::describe() const
{
    char text[96];
    std::snprintf(text, sizeof text, "test pattern %dx%d @ %.2f fps", format_.width, format_.height,
                  format_.fps());
    return text;
}

FramePtr TestPatternSource::produce(std::uint64_t sequence, std::int64_t captureMicros)
{
    if (stallAfter_ > 0 && sequence >= stallAfter_)
        return nullptr; // stalled on purpose
    auto buffer = pool_.acquire();
    if (!buffer)
        return nullptr; // every buffer is still in use downstream: drop this tick
    RawFrame& frame = buffer->frame;
    frame.sequence = sequence;
    frame.captureMicros = captureMicros;

    const int width = format_.width, height = format_.height;
    const int barsHeight = height * 2 / 3;
    // Scroll one frame width every four seconds.
    const double fps = format_.fps();
    const auto shift = static_cast<int>(
        static_cast<double>(sequence % static_cast<std::uint64_t>(std::max(1.0, 4 * fps))) * width /
        std::max(1.0, 4 * fps));
    for (int y = 0; y < height; ++y) {
        const std::uint8_t* src = y < barsHeight ? barsY_.data() + shift : rampY_.data();
        std::memcpy(row(frame, 0, y), src, static_cast<std::size_t>(width));
    }
    const int chromaWidth = chromaSize(width);
    for (int y = 0; y < chromaSize(height); ++y) {
        if (y * 2 < barsHeight) {
            std::memcpy(row(frame, 1, y), barsU_.data() + shift / 2,
                        static_cast<std::size_t>(chromaWidth));
            std::memcpy(row(frame, 2, y), barsV_.data() + shift / 2,
                        static_cast<std::size_t>(chromaWidth));
        } else {
            std::memset(row(frame, 1, y), 128, static_cast<std::size_t>(chromaWidth));
            std::memset(row(frame, 2, y), 128, static_cast<std::size_t>(chromaWidth));
        }
    }

    drawBox(frame, sequence);
    char counter[24];
    std::snprintf(counter, sizeof counter, "#%06llu", static_cast<unsigned long long>(sequence));
    const int margin = 2 * scale_;
    drawText(frame, margin, margin, "PISTREAM TEST");
    drawText(frame, margin, margin + (kGlyphRows + 3) * scale_,
             std::string(counter) + " " + wallClock());
    return pool_.lend(std::move(buffer));
}

void TestPatternSource::drawBox(RawFrame& frame, std::uint64_t sequence) const
{
    const int size = std::max(4, frame.height / 6);
    const int rangeX = std::max(1, frame.width - size), rangeY = std::max(1, frame.height - size);
    // Bounce: a triangle wave in each direction at different speeds.
    const auto bounce = [](std::uint64_t t, int range) {
        const auto r = static_cast<std::uint64_t>(range);
        const std::uint64_t phase = t % (2 * r);
        return static_cast<int>(phase < r ? phase : 2 * r - phase);
    };
    const int x =
        bounce(sequence * static_cast<std::uint64_t>(std::max(1, frame.width / 120)), rangeX);
    const int y =
        bounce(sequence * static_cast<std::uint64_t>(std::max(1, frame.height / 100)), rangeY);
    fillRect(frame, x, y, x + size, y + size, 16, 128, 128);
    const int border = std::max(1, size / 10);
    fillRect(frame, x + border, y + border, x + size - border, y + size - border, 235, 128, 128);
}

void TestPatternSource::drawText(RawFrame& frame, int x, int y, const std::string& text) const
{
    const int cell = kGlyphCell * scale_;
    // Black band behind the text, neutral chroma so the text stays white.
    fillRect(frame, x - scale_, y - scale_, x + static_cast<int>(text.size()) * cell + scale_,
             y + (kGlyphRows + 1) * scale_, 16, 128, 128);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const Glyph* glyph = findGlyph(text[i]);
        if (!glyph)
            continue;
        const int left = x + static_cast<int>(i) * cell;
        for (int gy = 0; gy < kGlyphRows; ++gy)
            for (int gx = 0; gx < 5; ++gx)
                if (glyph->rows[static_cast<std::size_t>(gy)] & (0x10 >> gx))
                    fillRect(frame, left + gx * scale_, y + gy * scale_, left + (gx + 1) * scale_,
                             y + (gy + 1) * scale_, 235, 128, 128);
    }
}

} // namespace pistream
