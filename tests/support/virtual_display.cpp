#include "support/virtual_display.h"

#include <cstdlib>

#include <doctest/doctest.h>

#include "support/wait_for.h"

namespace pistream::test {

using namespace std::chrono_literals;

VirtualDisplay::VirtualDisplay(const TempDir& dir)
    : xvfb_({"Xvfb", "-displayfd", "1", "-screen", "0", "800x600x24", "-nolisten", "tcp"},
            dir.path(), "xvfb")
{
    waitFor(
        [&] {
            const std::string out = xvfb_.out();
            if (!out.empty() && out.back() == '\n')
                display_ = ":" + out.substr(0, out.size() - 1);
            return !display_.empty();
        },
        20s, 25ms);
    REQUIRE_MESSAGE(!display_.empty(), "Xvfb did not start: " << xvfb_.err());
}

std::string VirtualDisplay::describe() const
{
    return "Xvfb " + display_ + (xvfb_.running() ? " running" : " has exited") +
           (xvfb_.err().empty() ? "" : ", said: " + xvfb_.err());
}

int Shot::count(bool (*match)(int r, int g, int b)) const
{
    int n = 0;
    for (std::size_t i = 0; i + 2 < rgb.size(); i += 3)
        n += match(rgb[i], rgb[i + 1], rgb[i + 2]) ? 1 : 0;
    return n;
}

int Shot::differences(const Shot& other) const
{
    int n = 0;
    for (std::size_t i = 0; i + 2 < rgb.size() && i + 2 < other.rgb.size(); i += 3)
        n += std::abs(rgb[i] - other.rgb[i]) + std::abs(rgb[i + 1] - other.rgb[i + 1]) +
                         std::abs(rgb[i + 2] - other.rgb[i + 2]) >
                     60
                 ? 1
                 : 0;
    return n;
}

Shot screenshot(const VirtualDisplay& display, const TempDir& dir, const std::string& name)
{
    const auto png = dir.file(name + ".png");
    REQUIRE(runTool({"import", "-window", "root", png.string()}, dir.path(), display.env()).first ==
            0);
    const auto raw = dir.file(name + ".rgb");
    REQUIRE(runTool({"convert", png.string(), "-resize", "80x60!", "-depth", "8",
                     "rgb:" + raw.string()},
                    dir.path())
                .first == 0);
    return Shot{readFile(raw)};
}

} // namespace pistream::test
