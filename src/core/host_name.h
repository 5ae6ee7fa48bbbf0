#pragma once

#include <string>

namespace pistream {

// This machine's host name as gethostname() gives it, or "pistream" when it
// has none: the default camera name, Kafka key and consumer group.
std::string hostName();

} // namespace pistream
