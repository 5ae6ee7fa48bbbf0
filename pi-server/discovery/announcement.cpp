#include "discovery/announcement.h"

#include <cmath>
#include <cstdio>
#include <limits.h>
#include <unistd.h>

#include "core/host_name.h"
#include "protocol/messages.h"

namespace pistream {

namespace {

// Whether `text` is well-formed UTF-8 without control characters.
bool printableUtf8(const std::string& text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7f)
            return false;
        std::size_t length = 1;
        if (byte >= 0x80) {
            if (byte >= 0xc2 && byte <= 0xdf)
                length = 2;
            else if (byte >= 0xe0 && byte <= 0xef)
                length = 3;
            else if (byte >= 0xf0 && byte <= 0xf4)
                length = 4;
            else
                return false;
            if (i + length > text.size())
                return false;
            for (std::size_t k = 1; k < length; ++k)
                if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80)
                    return false;
        }
        i += length;
    }
    return true;
}

} // namespace

std::string formatFps(unsigned numerator, unsigned denominator)
{
    if (denominator == 0)
        return "0";
    const double fps = static_cast<double>(numerator) / static_cast<double>(denominator);
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", fps);
    std::string out = text;
    while (!out.empty() && out.back() == '0')
        out.pop_back();
    if (!out.empty() && out.back() == '.')
        out.pop_back();
    return out;
}

std::vector<std::string> announcementTxt(const Announcement& announcement)
{
    std::vector<std::string> txt = {
        "v=" + std::to_string(kVersionMajor) + "." + std::to_string(kVersionMinor),
        "name=" + announcement.name,
        "size=" + std::to_string(announcement.width) + "x" + std::to_string(announcement.height),
        "fps=" + formatFps(announcement.fpsNumerator, announcement.fpsDenominator),
        std::string("key=") + (announcement.keyNeeded ? "yes" : "no"),
    };
    if (announcement.httpPort) {
        txt.push_back("http=" + std::to_string(*announcement.httpPort));
        txt.push_back(std::string("https=") + (announcement.https ? "yes" : "no"));
    }
    return txt;
}

std::string serviceNameProblem(const std::string& name)
{
    if (name.empty())
        return "is empty";
    if (name.size() > kMaxServiceName)
        return "is longer than " + std::to_string(kMaxServiceName) + " bytes";
    if (!printableUtf8(name))
        return "has control characters or is not UTF-8";
    return {};
}

std::string defaultServiceName()
{
    std::string name = hostName();
    // A fully qualified name announces as its first label, as avahi's own host name.
    if (const auto dot = name.find('.'); dot != std::string::npos && dot > 0)
        name.resize(dot);
    if (!serviceNameProblem(name).empty())
        return "pistream";
    return name;
}

} // namespace pistream
