#pragma once

// The viewer's real window under Xvfb: an X server of the test's own, and
// screenshots of it (xvfb and imagemagick from the test setup).

#include <cstdint>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_images.h"

namespace pistream::test {

// An X server of our own, on a display number it picks itself. A program in
// a network namespace (test_avahi) reaches it through its socket file.
class VirtualDisplay {
public:
    explicit VirtualDisplay(const TempDir& dir);
    std::vector<std::string> env() const { return {"DISPLAY=" + display_}; }
    const std::string& name() const { return display_; }
    // For a failing test's message: whether Xvfb still runs, and what it said.
    std::string describe() const;

private:
    mutable Process xvfb_; // running() reaps it
    std::string display_;
};

// A screenshot of the whole screen, shrunk to 80x60 RGB pixels.
struct Shot {
    std::vector<std::uint8_t> rgb;

    int count(bool (*match)(int r, int g, int b)) const;
    // Pixels that differ clearly from the other shot's.
    int differences(const Shot& other) const;
};

// Takes one, kept as NAME.png in `dir`.
Shot screenshot(const VirtualDisplay& display, const TempDir& dir, const std::string& name);

} // namespace pistream::test
