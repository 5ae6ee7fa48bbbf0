#include "adapt/link_sample.h"

// linux/tcp.h, not netinet/tcp.h: glibc's struct tcp_info stops before
// tcpi_delivery_rate. Kept in this file so the two headers never meet.
#include <cstddef>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace pistream {

std::optional<LinkSample> readLinkSample(int socket)
{
    tcp_info info{};
    socklen_t length = sizeof(info);
    if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        return std::nullopt;
    LinkSample sample;
    // Kernels before 4.9 fill less of the struct: their rate stays 0 (unknown).
    if (length > offsetof(tcp_info, tcpi_delivery_rate)) {
        sample.deliveryRate = static_cast<double>(info.tcpi_delivery_rate);
        sample.appLimited = info.tcpi_delivery_rate_app_limited != 0;
    }
    sample.rttMicros = info.tcpi_rtt;
    int unsent = 0;
    if (::ioctl(socket, SIOCOUTQ, &unsent) == 0 && unsent > 0)
        sample.unsentBytes = static_cast<std::size_t>(unsent);
    return sample;
}

} // namespace pistream
