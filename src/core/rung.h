#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pistream {

// The adaptive ladder: the encodings the server can make of one picture, best
// first. A viewer on a weak link steps down it to keep the frame rate
// (docs/protocol.md, "Rungs"). The values go on the wire in FRAME's `rung` byte.
enum class Rung : std::uint8_t {
    Full = 0,      // the source's size, --quality
    Lower = 1,     // the source's size, --adapt-quality
    Half = 2,      // half width and height, --quality
    HalfLower = 3, // half width and height, --adapt-quality
};

inline constexpr std::size_t kRungCount = 4;

// A set of rungs, bit N for Rung N.
using RungMask = std::uint8_t;
inline constexpr RungMask kAllRungs = (1u << kRungCount) - 1;

constexpr RungMask maskOf(Rung rung)
{
    return static_cast<RungMask>(1u << static_cast<unsigned>(rung));
}

constexpr std::size_t indexOf(Rung rung)
{
    return static_cast<std::size_t>(rung);
}

constexpr bool halfSize(Rung rung)
{
    return rung == Rung::Half || rung == Rung::HalfLower;
}

constexpr bool lowerQuality(Rung rung)
{
    return rung == Rung::Lower || rung == Rung::HalfLower;
}

constexpr std::string_view nameOf(Rung rung)
{
    constexpr std::array<std::string_view, kRungCount> names{"full", "lower", "half", "half-lower"};
    return names[indexOf(rung)];
}

// What a viewer shows for FRAME's rung byte: the rung's name, or "rung N"
// for a value from a later version.
inline std::string rungName(std::uint8_t wire)
{
    return wire < kRungCount ? std::string(nameOf(static_cast<Rung>(wire)))
                             : "rung " + std::to_string(wire);
}

// A rung number from the wire or a flag; nullopt when out of range.
constexpr std::optional<Rung> rungFromIndex(unsigned index)
{
    if (index >= kRungCount)
        return std::nullopt;
    return static_cast<Rung>(index);
}

// The best rung a viewer drawing pictures at most shownWidth x shownHeight
// needs from a width x height source (ADAPT 1.3): half size when that still
// covers what it draws, else full. 0 in either shown figure: no limit.
constexpr Rung sizeCeiling(unsigned width, unsigned height, unsigned shownWidth,
                           unsigned shownHeight)
{
    if (shownWidth == 0 || shownHeight == 0 || width < 2 || height < 2)
        return Rung::Full;
    return shownWidth <= width / 2 && shownHeight <= height / 2 ? Rung::Half : Rung::Full;
}

// Who decides a viewer's rung: the ADAPT message's policy byte, --adapt.
enum class AdaptPolicy : std::uint8_t {
    Off = 0,       // always the full rung; frames skipped on a slow link (as 1.1)
    Quality = 1,   // full quality, frames skipped: the same as Off today
    Framerate = 2, // keep the source's frame rate: step down quality, then size
};

constexpr std::string_view nameOf(AdaptPolicy policy)
{
    switch (policy) {
    case AdaptPolicy::Off:
        return "off";
    case AdaptPolicy::Quality:
        return "quality";
    case AdaptPolicy::Framerate:
        return "framerate";
    }
    return "?";
}

} // namespace pistream
