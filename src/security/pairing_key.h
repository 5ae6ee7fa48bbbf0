#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace pistream {

// The secret that pairs viewers and browsers with one server: 160 random bits
// written as 32 base32 characters in groups of four ("ABCD-EFGH-..."), easy
// to read out and type. Kept in a file only its owner can read.

// A new key from OpenSSL's random generator.
std::string generatePairingKey();

// What someone typed, in the canonical form: dashes and spaces dropped,
// upper case. Returns "" when it is not 32 base32 characters.
std::string normalizePairingKey(std::string_view text);

// Constant-time comparison of a typed key with the real one.
bool pairingKeyMatches(std::string_view key, std::string_view typed);

// Reads the key from `path`, or creates the file (mode 0600, directories
// 0700) with a new key when it does not exist; `created` says which. The
// first line is the key (a CR LF ending and a UTF-8 byte order mark are
// fine). Throws std::runtime_error naming the file when it cannot be read or
// written, is not a regular file (a directory, a FIFO: never blocks), is a
// dangling symbolic link, or holds something that is not a key. `warning`:
// a line to log when other users may read the file, else "".
std::string loadOrCreatePairingKey(const std::filesystem::path& path, bool& created,
                                   std::string& warning);

// Reads a key someone was given (pistream-viewer --key-file); never creates.
// The same checks as loadOrCreatePairingKey, without the warning.
std::string readPairingKey(const std::filesystem::path& path);

// A browser's login session, kept in a cookie: "EXPIRY.MAC", the MAC being
// HMAC-SHA256 under the key of the expiry (Unix seconds). The server keeps no
// session state: a restart keeps people logged in, a new key logs them out.
std::string makeSessionToken(std::string_view key, std::int64_t expiresUnix);
bool sessionTokenValid(std::string_view key, std::string_view token, std::int64_t nowUnix);

// Where the key lives by default: $STATE_DIRECTORY (systemd's StateDirectory=)
// or $XDG_STATE_HOME or ~/.local/state, then pistream/pairing.key.
std::filesystem::path defaultPairingKeyPath();

} // namespace pistream
