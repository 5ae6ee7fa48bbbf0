#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/ssl.hpp>

namespace pistream {

// TLS 1.3 authenticated by the pairing key alone: an external pre-shared key
// (RFC 8446 section 2.2) with (EC)DHE, so there are no certificates to manage
// and a recorded session stays secret even if the key leaks later. Both ends
// must hold the key; a peer without it cannot finish the handshake, and the
// server sends nothing but the handshake before the peer has proved it.
//
// The PSK is HMAC-SHA256(key = the canonical pairing key in ASCII, 32
// characters without dashes, message = "pistream stream psk v1"), offered with
// the identity "pistream" (docs/protocol.md says the same for other clients).
enum class TlsRole { Server, Client };

inline constexpr std::string_view kPskIdentity = "pistream";

std::array<std::uint8_t, 32> derivePsk(std::string_view pairingKey);

class PskTls {
public:
    // `pairingKey` in any form normalizePairingKey accepts; throws
    // std::invalid_argument when it is not a key.
    PskTls(TlsRole role, std::string_view pairingKey);
    PskTls(const PskTls&) = delete;
    PskTls& operator=(const PskTls&) = delete;

    asio::ssl::context& context() { return context_; }
    // The cipher suite this side prefers: AES-GCM where the CPU has AES
    // instructions, else ChaCha20-Poly1305 (Raspberry Pi 4 and older have none).
    static const char* preferredCipherSuites();

private:
    static int findSession(SSL* ssl, const unsigned char* identity, std::size_t length,
                           SSL_SESSION** session);
    static int useSession(SSL* ssl, const EVP_MD* digest, const unsigned char** identity,
                          std::size_t* length, SSL_SESSION** session);
    SSL_SESSION* newSession(SSL* ssl) const;

    asio::ssl::context context_;
    std::array<std::uint8_t, 32> psk_{};
};

// Why a handshake failed, in words a person can act on.
enum class HandshakeFailure {
    WrongKey, // the other side holds a different key
    NoKey,    // the peer offered no pistream key (a plain TLS client)
    NotTls,   // the other side does not speak TLS (a plain --insecure server or client)
    Closed,   // the connection ended before the handshake did
    TimedOut, // the handshake deadline passed
    Other,
};
HandshakeFailure classifyHandshakeError(const std::error_code& error);
const char* describe(HandshakeFailure failure);

} // namespace pistream
