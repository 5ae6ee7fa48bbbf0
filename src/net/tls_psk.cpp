#include "net/tls_psk.h"

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <stdexcept>
#include <sys/auxv.h>

#include "security/pairing_key.h"

namespace pistream {

namespace {

constexpr std::string_view kPskLabel = "pistream stream psk v1";
// TLS_AES_128_GCM_SHA256: the session's cipher only fixes the hash (SHA-256)
// the PSK is used with; the record cipher is negotiated as usual.
constexpr unsigned char kSessionCipher[2] = {0x13, 0x01};

// Where each SSL_CTX keeps its PskTls (asio uses the CTX's app data itself).
int contextIndex()
{
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

bool cpuHasAes()
{
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("aes");
#elif defined(__aarch64__)
    return (getauxval(AT_HWCAP) & (1UL << 3)) != 0; // HWCAP_AES
#elif defined(__arm__)
    return (getauxval(AT_HWCAP2) & 1UL) != 0; // HWCAP2_AES
#else
    return false;
#endif
}

} // namespace

std::array<std::uint8_t, 32> derivePsk(std::string_view pairingKey)
{
    const std::string key = normalizePairingKey(pairingKey);
    if (key.empty())
        throw std::invalid_argument("not a pairing key (32 letters and digits like ABCD-EFGH-...)");
    std::array<std::uint8_t, 32> psk{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(kPskLabel.data()), kPskLabel.size(), psk.data(),
         &length);
    return psk;
}

const char* PskTls::preferredCipherSuites()
{
    static const bool aes = cpuHasAes();
    return aes ? "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"
               : "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
}

PskTls::PskTls(TlsRole role, std::string_view pairingKey)
    : context_(role == TlsRole::Server ? asio::ssl::context::tls_server
                                       : asio::ssl::context::tls_client),
      psk_(derivePsk(pairingKey))
{
    SSL_CTX* ctx = context_.native_handle();
    SSL_CTX_set_ex_data(ctx, contextIndex(), this);
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_ciphersuites(ctx, preferredCipherSuites());
    // Named in protocol.md, so another client knows what to offer: X25519
    // first (its key share is sent at once), secp256r1 for those without it.
    SSL_CTX_set1_groups_list(ctx, "X25519:P-256");
    // No resumption tickets: every connection proves the key afresh, and the
    // server keeps no per-client state.
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    if (role == TlsRole::Server) {
        // The server encrypts the video, so its CPU decides the cipher.
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
        SSL_CTX_set_psk_find_session_callback(ctx, &PskTls::findSession);
        context_.set_verify_mode(asio::ssl::verify_none);
    } else {
        SSL_CTX_set_psk_use_session_callback(ctx, &PskTls::useSession);
        // No trusted certificates at all: a server that tries to authenticate
        // with one instead of the key fails the handshake.
        context_.set_verify_mode(asio::ssl::verify_peer);
    }
}

SSL_SESSION* PskTls::newSession(SSL* ssl) const
{
    const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kSessionCipher);
    SSL_SESSION* session = SSL_SESSION_new();
    if (!cipher || !session || !SSL_SESSION_set1_master_key(session, psk_.data(), psk_.size()) ||
        !SSL_SESSION_set_cipher(session, cipher) ||
        !SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION)) {
        SSL_SESSION_free(session);
        return nullptr;
    }
    return session;
}

int PskTls::findSession(SSL* ssl, const unsigned char* identity, std::size_t length,
                        SSL_SESSION** session)
{
    *session = nullptr;
    const auto* self =
        static_cast<const PskTls*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), contextIndex()));
    if (!self || std::string_view(reinterpret_cast<const char*>(identity), length) != kPskIdentity)
        return 1; // not ours: the handshake goes on without a PSK, and fails (no certificate)
    *session = self->newSession(ssl);
    return *session ? 1 : 0;
}

int PskTls::useSession(SSL* ssl, const EVP_MD* digest, const unsigned char** identity,
                       std::size_t* length, SSL_SESSION** session)
{
    *session = nullptr;
    const auto* self =
        static_cast<const PskTls*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), contextIndex()));
    if (!self)
        return 0;
    SSL_SESSION* ours = self->newSession(ssl);
    if (!ours)
        return 0;
    // After a HelloRetryRequest OpenSSL asks again with the chosen hash.
    if (digest && digest != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(ours))) {
        SSL_SESSION_free(ours);
        return 1;
    }
    *identity = reinterpret_cast<const unsigned char*>(kPskIdentity.data());
    *length = kPskIdentity.size();
    *session = ours;
    return 1;
}

HandshakeFailure classifyHandshakeError(const std::error_code& error)
{
    if (error == asio::error::eof || error == asio::ssl::error::stream_truncated ||
        error == asio::error::connection_reset || error == asio::error::broken_pipe)
        return HandshakeFailure::Closed;
    if (error == asio::error::operation_aborted || error == asio::error::timed_out)
        return HandshakeFailure::TimedOut;
    if (error.category() != asio::error::get_ssl_category())
        return HandshakeFailure::Other;
    switch (ERR_GET_REASON(static_cast<unsigned long>(error.value()))) {
    case SSL_R_BINDER_DOES_NOT_VERIFY:        // server: the client's key differs
    case SSL_R_TLSV1_ALERT_DECRYPT_ERROR:     // client: the server said so (OpenSSL 3
    case SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER: // sends illegal_parameter for a bad binder)
        return HandshakeFailure::WrongKey;
    case SSL_R_NO_SHARED_CIPHER: // server: no PSK offered, and it has no certificate
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_MISSING_PSK_KEX_MODES_EXTENSION:
        return HandshakeFailure::NoKey;
    case SSL_R_WRONG_VERSION_NUMBER: // plain pistream bytes read as a TLS record
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_UNEXPECTED_RECORD:
    case SSL_R_WRONG_SSL_VERSION:
        return HandshakeFailure::NotTls;
    default:
        return HandshakeFailure::Other;
    }
}

const char* describe(HandshakeFailure failure)
{
    switch (failure) {
    case HandshakeFailure::WrongKey:
        return "wrong key";
    case HandshakeFailure::NoKey:
        return "no pairing key offered";
    case HandshakeFailure::NotTls:
        return "the other side does not speak TLS (a plain --insecure peer?)";
    case HandshakeFailure::Closed:
        return "connection closed during the handshake";
    case HandshakeFailure::TimedOut:
        return "handshake not finished in time";
    case HandshakeFailure::Other:
        break;
    }
    return "TLS handshake failed";
}

} // namespace pistream
