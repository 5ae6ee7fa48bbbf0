#include "connection/key_store.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>

#include "security/pairing_key.h"

namespace pistream {

namespace {

std::runtime_error storeError(const std::filesystem::path& path, const std::string& what)
{
    return std::runtime_error("key store " + path.string() + ": " + what);
}

toml::table load(const std::filesystem::path& path)
{
    std::error_code error;
    if (!std::filesystem::exists(path, error))
        return {};
    if (std::filesystem::file_size(path, error) > 1024 * 1024)
        throw storeError(path, "larger than 1 MiB");
    try {
        return toml::parse_file(path.string());
    } catch (const toml::parse_error& parseError) {
        throw storeError(path, std::string(parseError.description()));
    }
}

} // namespace

KeyStore::KeyStore(std::filesystem::path path) : path_(std::move(path)) {}

std::filesystem::path KeyStore::defaultPath()
{
    if (const char* config = std::getenv("XDG_CONFIG_HOME"); config && *config == '/')
        return std::filesystem::path(config) / "pistream" / "keys.toml";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : ".") / ".config" / "pistream" / "keys.toml";
}

std::optional<std::string> KeyStore::find(const std::string& server) const
{
    const toml::table table = load(path_);
    const auto key = table["keys"][server].value<std::string>();
    if (!key)
        return std::nullopt;
    if (normalizePairingKey(*key).empty())
        throw storeError(path_, "the key for " + server + " is not a pairing key");
    return key;
}

void KeyStore::remember(const std::string& server, const std::string& key) const
{
    toml::table table = load(path_);
    if (!table["keys"].is_table())
        table.insert_or_assign("keys", toml::table{});
    table["keys"].as_table()->insert_or_assign(server, key);

    const auto directory = path_.parent_path();
    if (!directory.empty()) {
        std::error_code error;
        std::filesystem::create_directories(directory, error);
        if (error)
            throw storeError(path_, error.message());
        ::chmod(directory.c_str(), 0700);
    }
    std::ostringstream text;
    text << "# pistream-viewer: pairing keys of servers watched before (written by the viewer)\n"
         << table << "\n";
    const std::string body = text.str();
    const std::filesystem::path temporary = path_.string() + ".new";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        throw storeError(path_, std::strerror(errno));
    const bool written = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!written || !synced || std::rename(temporary.c_str(), path_.c_str()) != 0) {
        ::unlink(temporary.c_str());
        throw storeError(path_, "cannot write it");
    }
}

} // namespace pistream
