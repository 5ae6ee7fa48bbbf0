#include "support/server_status.h"

#include <regex>

#include <asio.hpp>

namespace pistream::test {

namespace {

std::string base64(const std::string& text)
{
    static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (const char c : text) {
        bits = (bits << 8) | static_cast<unsigned char>(c);
        count += 8;
        while (count >= 6) {
            count -= 6;
            out += digits[(bits >> count) & 0x3F];
        }
    }
    if (count > 0)
        out += digits[(bits << (6 - count)) & 0x3F];
    while (out.size() % 4 != 0)
        out += '=';
    return out;
}

} // namespace

std::uint16_t httpPortOf(Process& server)
{
    const auto port = server.waitForErr(std::regex(R"(browsers: http://127\.0\.0\.1:(\d+)/)"),
                                        std::chrono::seconds(10));
    return port ? static_cast<std::uint16_t>(std::stoi(*port)) : 0;
}

std::optional<std::string> httpGet(std::uint16_t port, const std::string& path,
                                   const std::string& key)
{
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    std::error_code error;
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, error);
    if (error)
        return std::nullopt;
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!key.empty())
        request += "Authorization: Basic " + base64(":" + key) + "\r\n";
    request += "\r\n";
    asio::write(socket, asio::buffer(request), error);
    if (error)
        return std::nullopt;
    std::string response;
    asio::read(socket, asio::dynamic_buffer(response), error); // until the server closes
    if (response.rfind("HTTP/1.1 200", 0) != 0)
        return std::nullopt;
    const auto body = response.find("\r\n\r\n");
    if (body == std::string::npos)
        return std::nullopt;
    return response.substr(body + 4);
}

std::optional<nlohmann::json> serverStatus(std::uint16_t port, const std::string& key)
{
    const auto body = httpGet(port, "/api/status", key);
    if (!body)
        return std::nullopt;
    auto json = nlohmann::json::parse(*body, nullptr, false);
    if (json.is_discarded())
        return std::nullopt;
    return json;
}

} // namespace pistream::test
