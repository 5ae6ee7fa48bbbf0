#include "server/listener.h"

namespace pistream {

asio::ip::tcp::endpoint listenOn(asio::ip::tcp::acceptor& acceptor, const Endpoint& where)
{
    try {
        asio::ip::tcp::resolver resolver(acceptor.get_executor());
        const std::string host = where.host.empty() ? std::string("0.0.0.0") : where.host;
        const auto results = resolver.resolve(host, std::to_string(where.port),
                                              asio::ip::tcp::resolver::passive |
                                                  asio::ip::tcp::resolver::numeric_service);
        const asio::ip::tcp::endpoint endpoint = *results.begin();
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        return acceptor.local_endpoint();
    } catch (const std::system_error& error) {
        throw std::system_error(error.code(), "cannot listen on " + where.toString());
    }
}

} // namespace pistream
