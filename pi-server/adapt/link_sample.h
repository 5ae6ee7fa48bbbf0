#pragma once

#include <optional>

#include "adapt/rung_controller.h"

namespace pistream {

// The kernel's figures for one TCP socket: TCP_INFO's delivery rate, its
// app-limited mark and the smoothed RTT, and SIOCOUTQ's bytes still in the
// socket. nullopt when the socket is not TCP (or is closed).
std::optional<LinkSample> readLinkSample(int socket);

} // namespace pistream
