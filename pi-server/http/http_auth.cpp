#include "http/http_auth.h"

#include "security/pairing_key.h"

namespace pistream {

KeyCheck HttpAuth::check(const HttpRequest& request, std::int64_t nowUnix) const
{
    if (open())
        return KeyCheck::NotAsked;
    const std::string password = request.basicPassword();
    if (pairingKeyMatches(key_, password))
        return KeyCheck::Passed;
    // Any valid one of them: a stale cookie next to a fresh one must not
    // lock the browser out.
    for (const auto& token : request.cookies(kCookieName))
        if (sessionTokenValid(key_, token, nowUnix))
            return KeyCheck::Session;
    // An expired or foreign cookie is not a guess at the key: only a password is.
    return password.empty() ? KeyCheck::Missing : KeyCheck::WrongKey;
}

KeyCheck HttpAuth::checkLoginForm(const HttpRequest& request) const
{
    if (open())
        return KeyCheck::NotAsked;
    const std::string typed = request.formField("key");
    if (typed.empty())
        return KeyCheck::Missing;
    return pairingKeyMatches(key_, typed) ? KeyCheck::Passed : KeyCheck::WrongKey;
}

std::string HttpAuth::sessionCookie(std::int64_t nowUnix, bool secure) const
{
    return std::string("Set-Cookie: ") + kCookieName + "=" +
           makeSessionToken(key_, nowUnix + kSessionSeconds) +
           "; Max-Age=" + std::to_string(kSessionSeconds) + "; Path=/; HttpOnly; SameSite=Strict" +
           (secure ? "; Secure" : "") + "\r\n";
}

} // namespace pistream
