#include "security/pairing_key.h"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace pistream {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; // RFC 4648 base32
constexpr std::size_t kKeyChars = 32;                                      // 160 bits

std::runtime_error fileError(const std::filesystem::path& path, const std::string& what)
{
    return std::runtime_error("pairing key file " + path.string() + ": " + what);
}

// The first line, at most a few hundred bytes of it, must be a key.
std::string readKeyLine(std::istream& in, const std::filesystem::path& path, const char* hint)
{
    std::array<char, 256> line{};
    in.getline(line.data(), line.size());
    const std::string text(line.data());
    if (normalizePairingKey(text).empty())
        throw fileError(path,
                        std::string("does not hold a pairing key (32 base32 characters)") + hint);
    return text;
}

} // namespace

std::string generatePairingKey()
{
    std::array<unsigned char, 20> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
        throw std::runtime_error("no random numbers for a pairing key (OpenSSL RAND_bytes failed)");
    // 20 bytes are 32 groups of 5 bits, one character each, dashed in fours.
    std::string key;
    unsigned int buffer = 0;
    int bits = 0;
    for (const unsigned char byte : random) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            if (!key.empty() && key.size() % 5 == 4)
                key += '-';
            key += kAlphabet[(buffer >> bits) & 31U];
        }
    }
    OPENSSL_cleanse(random.data(), random.size());
    return key;
}

std::string normalizePairingKey(std::string_view text)
{
    std::string key;
    for (const char c : text) {
        if (c == '-' || c == ' ')
            continue;
        const char upper = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
        if (kAlphabet.find(upper) == std::string_view::npos)
            return {};
        key += upper;
    }
    return key.size() == kKeyChars ? key : std::string();
}

bool pairingKeyMatches(std::string_view key, std::string_view typed)
{
    const std::string a = normalizePairingKey(key);
    const std::string b = normalizePairingKey(typed);
    // Same length by construction when both are keys; compare in constant time.
    return !a.empty() && b.size() == a.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string loadOrCreatePairingKey(const std::filesystem::path& path, bool& created)
{
    created = false;
    std::ifstream in(path);
    if (!in) {
        if (errno != ENOENT)
            throw fileError(path, std::strerror(errno));
        std::error_code error;
        if (!path.parent_path().empty() && !std::filesystem::exists(path.parent_path())) {
            std::filesystem::create_directories(path.parent_path(), error);
            if (error)
                throw fileError(path, "cannot create its directory: " + error.message());
            std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all,
                                         error);
        }
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            throw fileError(path, std::strerror(errno));
        const std::string key = generatePairingKey();
        const std::string line = key + "\n";
        const bool written =
            ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
        ::close(fd);
        if (!written)
            throw fileError(path, "cannot write it");
        created = true;
        return key;
    }
    return readKeyLine(in, path, "; delete it to have a new one made");
}

std::string readPairingKey(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in)
        throw fileError(path, std::strerror(errno));
    return readKeyLine(in, path, "");
}

namespace {

std::string sessionMac(std::string_view key, std::int64_t expiresUnix)
{
    const std::string normalized = normalizePairingKey(key);
    const std::string message = "pistream session " + std::to_string(expiresUnix);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), normalized.data(), static_cast<int>(normalized.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
         &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[mac[i] >> 4];
        hex += kHex[mac[i] & 15];
    }
    return hex;
}

} // namespace

std::string makeSessionToken(std::string_view key, std::int64_t expiresUnix)
{
    return std::to_string(expiresUnix) + "." + sessionMac(key, expiresUnix);
}

bool sessionTokenValid(std::string_view key, std::string_view token, std::int64_t nowUnix)
{
    const auto dot = token.find('.');
    if (normalizePairingKey(key).empty() || dot == std::string_view::npos || dot == 0 || dot > 18)
        return false;
    std::int64_t expires = 0;
    for (const char c : token.substr(0, dot)) {
        if (c < '0' || c > '9')
            return false;
        expires = expires * 10 + (c - '0');
    }
    if (expires <= nowUnix)
        return false;
    const std::string expected = sessionMac(key, expires);
    const std::string_view given = token.substr(dot + 1);
    return given.size() == expected.size() &&
           CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

std::filesystem::path defaultPairingKeyPath()
{
    if (const char* state = std::getenv("STATE_DIRECTORY"); state && *state) {
        std::string first(state);
        return std::filesystem::path(first.substr(0, first.find(':'))) / "pairing.key";
    }
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "pistream" / "pairing.key";
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0')
        throw std::runtime_error("no HOME to keep the pairing key in: give --key-file");
    return std::filesystem::path(home) / ".local" / "state" / "pistream" / "pairing.key";
}

} // namespace pistream
