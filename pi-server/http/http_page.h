#pragma once

#include <string_view>

namespace pistream {

// The live page served at /: compiled in, nothing is read from disk.
std::string_view indexPage();

} // namespace pistream
