#pragma once

#include <memory>
#include <vector>

namespace pistream {

// The sessions of a map keyed by their address, copied out so a loop over
// them survives sessions removing themselves from the map as it runs.
template <typename Map> auto snapshot(const Map& sessions)
{
    std::vector<typename Map::mapped_type> copy;
    copy.reserve(sessions.size());
    for (const auto& entry : sessions)
        copy.push_back(entry.second);
    return copy;
}

} // namespace pistream
