#include "security/pairing_key.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
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

// Why `path` cannot be opened, from open()'s errno: a dangling symbolic link
// is named as such (creating the file through it would say "File exists").
std::runtime_error openError(const std::filesystem::path& path, int error)
{
    std::error_code ignored;
    if (error == ENOENT && std::filesystem::is_symlink(path, ignored))
        return fileError(path, "is a symbolic link to " +
                                   std::filesystem::read_symlink(path, ignored).string() +
                                   ", which does not exist; point it at the key file, or remove "
                                   "the link to have a new key made");
    return fileError(path, std::strerror(error));
}

// Opens the key file to read, or returns -1 with errno ENOENT when there is
// none. A FIFO must not block the server's start (O_NONBLOCK), and only a
// regular file is read; a key file others can read gets `warning`.
int openKeyFile(const std::filesystem::path& path, std::string& warning)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        const int error = errno;
        std::error_code ignored;
        if (error == ENOENT && !std::filesystem::is_symlink(path, ignored))
            return -1;
        throw openError(path, error);
    }
    struct stat status {};
    const int statError = ::fstat(fd, &status) == 0 ? 0 : errno;
    if (statError != 0 || !S_ISREG(status.st_mode))
        ::close(fd);
    if (statError != 0)
        throw fileError(path, std::strerror(statError));
    if (S_ISDIR(status.st_mode))
        throw fileError(path, "is a directory, not a file; give --key-file the path of a file "
                              "(a missing one is made)");
    if (!S_ISREG(status.st_mode))
        throw fileError(path, "is not a regular file (a FIFO, socket or device); give --key-file "
                              "the path of a plain file (a missing one is made)");
    if ((status.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        std::array<char, 8> mode{};
        std::snprintf(mode.data(), mode.size(), "%04o", status.st_mode & 07777U);
        warning = "pairing key file " + path.string() +
                  " can be read or written by other users (mode " + mode.data() +
                  "); make it the server's alone: chmod 600 " + path.string();
    }
    return fd;
}

// The first line, at most a few hundred bytes of it, must be a key. Written
// on Windows it may end in CR LF and start with a UTF-8 byte order mark:
// both are the same key.
std::string readKeyLine(int fd, const std::filesystem::path& path, const char* hint)
{
    std::array<char, 256> buffer{};
    std::size_t size = 0;
    while (size < buffer.size()) {
        const ssize_t n = ::read(fd, buffer.data() + size, buffer.size() - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            throw fileError(path, std::strerror(error));
        }
        if (n == 0)
            break;
        size += static_cast<std::size_t>(n);
    }
    ::close(fd);
    std::string_view text(buffer.data(), size);
    if (text.starts_with("\xEF\xBB\xBF"))
        text.remove_prefix(3);
    text = text.substr(0, text.find('\n'));
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    if (normalizePairingKey(text).empty())
        throw fileError(path,
                        std::string("does not hold a pairing key (32 base32 characters)") + hint);
    return std::string(text);
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

std::string loadOrCreatePairingKey(const std::filesystem::path& path, bool& created,
                                   std::string& warning)
{
    created = false;
    warning.clear();
    const int fd = openKeyFile(path, warning);
    if (fd < 0) {
        std::error_code error;
        if (!path.parent_path().empty() && !std::filesystem::exists(path.parent_path())) {
            std::filesystem::create_directories(path.parent_path(), error);
            if (error)
                throw fileError(path, "cannot create its directory: " + error.message());
            std::filesystem::permissions(path.parent_path(), std::filesystem::perms::owner_all,
                                         error);
        }
        const int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (out < 0)
            throw openError(path, errno);
        const std::string key = generatePairingKey();
        const std::string line = key + "\n";
        const bool written =
            ::write(out, line.data(), line.size()) == static_cast<ssize_t>(line.size());
        ::close(out);
        if (!written)
            throw fileError(path, "cannot write it");
        created = true;
        return key;
    }
    return readKeyLine(fd, path, "; delete it to have a new one made");
}

std::string readPairingKey(const std::filesystem::path& path)
{
    std::string ignored;
    const int fd = openKeyFile(path, ignored);
    if (fd < 0)
        throw fileError(path, std::strerror(ENOENT));
    return readKeyLine(fd, path, "");
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
