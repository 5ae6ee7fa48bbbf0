#include "http/http_response.h"

#include "core/version.h"
#include "http/http_page.h"

namespace pistream {

std::string HttpResponse::head() const
{
    const std::size_t length = action == Action::SendFile ? static_cast<std::size_t>(fileLength)
                               : frame                    ? frame->jpeg.size()
                                                          : body.size();
    return responseHead(status, contentType, length, headers);
}

const char* reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 303:
        return "See Other";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 421:
        return "Misdirected Request";
    case 429:
        return "Too Many Requests";
    case 416:
        return "Range Not Satisfiable";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Error";
    }
}

std::string responseHead(int status, std::string_view contentType, std::size_t length,
                         std::string_view extra)
{
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) +
                       "\r\nServer: pistream/" + kVersion +
                       "\r\nContent-Type: " + std::string(contentType) + "\r\n";
    if (length != std::string::npos)
        head += "Content-Length: " + std::to_string(length) + "\r\n";
    head += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
            "X-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"
            "Content-Security-Policy: " +
            contentSecurityPolicy() + "\r\nConnection: close\r\n";
    head += extra;
    head += "\r\n";
    return head;
}

HttpResponse textResponse(int status, std::string body, std::string headers)
{
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

HttpResponse snapshotResponse(EncodedFramePtr frame, bool headOnly)
{
    HttpResponse response;
    response.contentType = "image/jpeg";
    response.headers = "Content-Disposition: inline; filename=\"snapshot.jpg\"\r\n";
    response.frame = std::move(frame);
    response.headOnly = headOnly;
    return response;
}

} // namespace pistream
