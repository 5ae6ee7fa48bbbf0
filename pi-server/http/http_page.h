#pragma once

#include <string>
#include <string_view>

namespace pistream {

// The live page served at /: compiled in, nothing is read from disk.
std::string_view indexPage();

// The login page at /login, saying the last key was wrong when it was.
std::string loginPage(bool wrongKey);

} // namespace pistream
