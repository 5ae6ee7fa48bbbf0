#pragma once

// The real server's /api/status, for tests that decide on the server's own
// counters rather than on the wording of its log.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "support/process.h"

namespace pistream::test {

// Waits for the server's "browsers: http://127.0.0.1:PORT/" line (started with
// --http 127.0.0.1:0); the port, or 0.
std::uint16_t httpPortOf(Process& server);

// GET http://127.0.0.1:port/path (with the pairing key as the Basic password
// when one is given); the body of a 200 answer, or nothing.
std::optional<std::string> httpGet(std::uint16_t port, const std::string& path,
                                   const std::string& key = {});

// /api/status parsed, or nothing when it did not answer 200 with JSON.
std::optional<nlohmann::json> serverStatus(std::uint16_t port, const std::string& key = {});

} // namespace pistream::test
