#pragma once

#include <string>
#include <string_view>

namespace pistream {

// The live page served at /: compiled in, nothing is read from disk.
std::string_view indexPage();

// The login page at /login, saying the last key was wrong when it was.
std::string loginPage(bool wrongKey);

// The Content-Security-Policy every response carries: the pages may load
// their pictures and status from this server, run their own inline script
// and styles (by hash) and post the login form here; nothing else, and no
// other site may frame them.
const std::string& contentSecurityPolicy();

} // namespace pistream
