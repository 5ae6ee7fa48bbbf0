#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/log_limiter.h"
#include "hub/frame_pacer.h"
#include "net/endpoint.h"
#include "server/peer_guard.h"

namespace pistream {

inline constexpr std::uint16_t kDefaultHttpPort = 8080;

// A recorded file as the recorder finds it: its path and its size now.
struct RecordedFile {
    std::string path;
    std::uint64_t size = 0;
};

// The recorded events (--record), for /api/events and /events/ID/...: given
// by the recorder, empty without recording. Called on the io thread; they
// read the index (SQLite, one page at a time) and stat one file.
struct EventFiles {
    // {"events": [...]}, newest first, ids below `before` if given, at most `limit`.
    std::function<nlohmann::json(std::size_t limit, std::optional<std::int64_t> before)> list;
    // Event `id`'s clip, or its thumbnail; nothing if there is no such event or file.
    std::function<std::optional<RecordedFile>(std::int64_t id, bool thumbnail)> file;
};

struct HttpServerConfig {
    Endpoint listen{"0.0.0.0", kDefaultHttpPort};
    // Every page but /health asks for it (HTTP Basic: any user name, the key
    // as password); empty: open to anyone.
    std::string pairingKey;
    // Host header names answered besides IP literals, localhost, *.local and
    // this machine's host name (--http-host); others get 421.
    std::vector<std::string> hostNames;
    // HTTPS when both are set (PEM files): the whole port speaks TLS.
    std::string certificateFile;
    std::string privateKeyFile;
    int maxClients = 64;                             // then 503 to the next
    std::size_t maxRequestBytes = 8192;              // request line and headers
    std::chrono::milliseconds requestTimeout{5000};  // to send a whole request
    std::chrono::milliseconds stallTimeout{10000};   // a stream part making no progress
    std::chrono::milliseconds snapshotTimeout{3000}; // waiting for a frame for /snapshot.jpg
    int maxReplays = 4;  // /events/ID/play.mjpg at once (each reads a clip); then 503
    PacingLimits pacing; // per streaming browser, as per viewer
    // Admission at accept, as on the stream port: "pending" here means still
    // sending its request (a browser opens several connections at once, so
    // the caps are wider than the stream port's), and a failure is a wrong
    // pairing key, never a request without one.
    PeerGuardLimits guard{.maxPending = 32,
                          .maxPendingPerAddress = 16,
                          .pendingName = "requests",
                          .refuseSlowedAtAccept = false};
    // Refused connections and wrong keys: one line, then a summary per window.
    LogLimits log;
    EventFiles events; // with --record
    // The guard's clock; empty: std::chrono::steady_clock. Tests inject time.
    std::function<PeerGuard::Clock::time_point()> clock;
};

struct HttpStats {
    int clients = 0;   // connections open
    int streaming = 0; // of which on /stream.mjpg
    int replaying = 0; // of which on /events/ID/play.mjpg
    std::uint64_t requests = 0;
    std::uint64_t refused = 0;        // without the pairing key, or with a wrong one
    std::uint64_t turnedAway = 0;     // closed at accept by the PeerGuard (caps, slowed down)
    std::uint64_t acceptFailures = 0; // accept() failed (out of file descriptors)
    std::uint64_t partsSent = 0;
    std::uint64_t partsSkipped = 0; // newer frames replaced them for a slow browser
    std::uint64_t bytesSent = 0;
};

} // namespace pistream
