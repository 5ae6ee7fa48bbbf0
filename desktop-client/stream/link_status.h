#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pistream {

// WrongKey is final: the server refused our pairing key, so no retries.
// Ended: the pipeline stopped (asked to, or a connection without retries ended).
enum class LinkState { Connecting, Live, Stalled, SourceDown, Reconnecting, WrongKey, Ended };
const char* nameOf(LinkState state);

// What the pipeline knows about its connection, for the overlay and the
// headless line; a copy taken under a lock.
struct LinkStatus {
    LinkState state = LinkState::Connecting;
    std::string detail; // why it is reconnecting, or the source's own words
    std::string name;   // the server's name from its hello (1.1), escaped; "" if none
    int width = 0;
    int height = 0;
    double fps = 0;   // over the last second (RateMeter)
    double mbits = 0; // likewise
    std::uint64_t frames = 0;
    std::uint64_t gaps = 0; // skipped by the server for us (sequence gaps)
    std::uint64_t decodeErrors = 0;
    std::optional<double> rttMillis;
    std::string rung;    // 1.2: the adaptive ladder's rung of the newest frame ("full", "half"...)
    bool motion = false; // a motion event lasts on the server (EVENT, protocol 1.1)
    std::string lastEvent; // "motion 3 started 14:02:11, 2.4%"; "" before any
};

} // namespace pistream
