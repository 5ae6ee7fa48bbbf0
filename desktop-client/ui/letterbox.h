#pragma once

namespace pistream {

struct Rect {
    int x = 0, y = 0, w = 0, h = 0;
};

// The largest rectangle with the frame's aspect ratio that fits the window,
// centred: black bars top and bottom or left and right, never stretching.
inline Rect letterbox(int windowWidth, int windowHeight, int frameWidth, int frameHeight)
{
    if (windowWidth <= 0 || windowHeight <= 0 || frameWidth <= 0 || frameHeight <= 0)
        return {};
    // Compare aspect ratios without floating point: ww/wh vs fw/fh.
    const long long wide = static_cast<long long>(windowWidth) * frameHeight;
    const long long tall = static_cast<long long>(windowHeight) * frameWidth;
    Rect r;
    if (wide > tall) { // window wider than the picture: bars left and right
        r.h = windowHeight;
        r.w = static_cast<int>(tall / frameHeight);
    } else {
        r.w = windowWidth;
        r.h = static_cast<int>(wide / frameWidth);
    }
    r.x = (windowWidth - r.w) / 2;
    r.y = (windowHeight - r.h) / 2;
    return r;
}

} // namespace pistream
