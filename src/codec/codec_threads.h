#pragma once

#include <algorithm>
#include <thread>

namespace pistream {

// Threads for one JPEG's strips (encoding) or bands (decoding): `requested`,
// or for 0 one per core, at most 4 (past that the strips are too small to pay).
inline int codecThreads(int requested)
{
    if (requested > 0)
        return requested;
    return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
}

} // namespace pistream
