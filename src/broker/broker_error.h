#pragma once

#include <optional>
#include <string>

namespace pistream {

// Why a broker call failed (the connection is then to be dropped and made
// again); nothing when it worked.
using BrokerError = std::optional<std::string>;

} // namespace pistream
