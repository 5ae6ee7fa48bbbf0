#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace pistream {

// The pairing keys of servers this user has watched, so that the next
// connection needs no --key: a TOML file only its owner can read,
//     [keys]
//     "raspberrypi.local:8485" = "ABCD-EFGH-..."
// in $XDG_CONFIG_HOME/pistream/keys.toml (else ~/.config/pistream/keys.toml).
class KeyStore {
public:
    explicit KeyStore(std::filesystem::path path = defaultPath());

    // The key remembered for "host:port"; nothing when there is none (or no
    // file). Throws std::runtime_error naming the file when it is unreadable
    // or malformed.
    std::optional<std::string> find(const std::string& server) const;
    // Writes (atomically, mode 0600, directories 0700) the key for "host:port".
    void remember(const std::string& server, const std::string& key) const;

    const std::filesystem::path& path() const { return path_; }
    static std::filesystem::path defaultPath();

private:
    std::filesystem::path path_;
};

} // namespace pistream
