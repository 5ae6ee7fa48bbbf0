#pragma once

#include <optional>
#include <string>
#include <utility>

#include <asio.hpp>
#include <asio/ssl.hpp>

namespace pistream {

// A TCP connection that speaks TLS or plain, decided when it is made. It is
// an asio stream (async_read_some, async_write_some), so composed operations
// such as asio::async_write work on it either way. Not movable: the TLS
// stream refers to the socket.
class StreamSocket {
public:
    using executor_type = asio::ip::tcp::socket::executor_type;

    explicit StreamSocket(asio::ip::tcp::socket socket, asio::ssl::context* tls = nullptr)
        : socket_(std::move(socket))
    {
        if (tls)
            tls_.emplace(socket_, *tls);
    }
    // Not yet connected: connect tcp(), then handshake if secure.
    StreamSocket(asio::io_context& io, asio::ssl::context* tls) : socket_(io)
    {
        if (tls)
            tls_.emplace(socket_, *tls);
    }
    StreamSocket(const StreamSocket&) = delete;
    StreamSocket& operator=(const StreamSocket&) = delete;

    executor_type get_executor() { return socket_.get_executor(); }
    asio::ip::tcp::socket& tcp() { return socket_; }
    const asio::ip::tcp::socket& tcp() const { return socket_; }
    bool secure() const { return tls_.has_value(); }

    // TLS only.
    template <typename Handler>
    void asyncHandshake(asio::ssl::stream_base::handshake_type type, Handler&& handler)
    {
        tls_->async_handshake(type, std::forward<Handler>(handler));
    }

    template <typename Buffers, typename Handler>
    void async_read_some(const Buffers& buffers, Handler&& handler)
    {
        if (tls_)
            tls_->async_read_some(buffers, std::forward<Handler>(handler));
        else
            socket_.async_read_some(buffers, std::forward<Handler>(handler));
    }

    // Over TLS one call writes from the first non-empty buffer only; callers
    // loop on what was written, as they must for plain TCP too.
    template <typename Buffers, typename Handler>
    void async_write_some(const Buffers& buffers, Handler&& handler)
    {
        if (tls_)
            tls_->async_write_some(buffers, std::forward<Handler>(handler));
        else
            socket_.async_write_some(buffers, std::forward<Handler>(handler));
    }

    // Over TLS, sends close_notify (RFC 8446 6.1: the sender's end of the
    // stream, so the peer can tell it from a truncation) and then calls
    // done(); it does not wait for the peer's own close_notify, as the
    // connection is closed next anyway. Plain TCP: calls done() at once.
    // Must not overlap a write; a read may be pending.
    template <typename Handler> void asyncCloseNotify(Handler&& done)
    {
        if (!tls_) {
            done();
            return;
        }
        // Marked as received, SSL_shutdown only writes ours and is finished.
        SSL_set_shutdown(tls_->native_handle(), SSL_RECEIVED_SHUTDOWN);
        tls_->async_shutdown(
            [done = std::forward<Handler>(done)](const std::error_code&) mutable { done(); });
    }

    // Ends the TCP connection at once: call asyncCloseNotify() first where
    // the connection ends in order.
    void close()
    {
        std::error_code ignored;
        socket_.shutdown(asio::socket_base::shutdown_both, ignored);
        socket_.close(ignored);
    }

    // "192.168.1.20:51234", "[fe80::1]:51234", or "?" when not connected.
    std::string peer() const
    {
        std::error_code error;
        const auto remote = socket_.remote_endpoint(error);
        if (error)
            return "?";
        const auto address = remote.address();
        return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
               std::to_string(remote.port());
    }

private:
    asio::ip::tcp::socket socket_;
    std::optional<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
};

} // namespace pistream
