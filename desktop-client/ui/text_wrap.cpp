#include "ui/text_wrap.h"

namespace pistream {

namespace {

constexpr const char* kEllipsis = "...";

// Bytes of the UTF-8 character starting at text[at].
std::size_t characterLength(const std::string& text, std::size_t at)
{
    std::size_t length = 1;
    while (at + length < text.size() &&
           (static_cast<unsigned char>(text[at + length]) & 0xC0) == 0x80)
        ++length;
    return length;
}

// The longest prefix of `text` (whole characters, at least one) that fits.
std::size_t fittingPrefix(const std::string& text, int maxWidth,
                          const std::function<int(const std::string&)>& width)
{
    std::size_t fits = characterLength(text, 0);
    for (std::size_t end = fits; end < text.size();) {
        const std::size_t next = end + characterLength(text, end);
        if (width(text.substr(0, next)) > maxWidth)
            break;
        fits = end = next;
    }
    return fits;
}

void wrapLine(std::string line, int maxWidth, const std::function<int(const std::string&)>& width,
              std::vector<std::string>& out)
{
    while (!line.empty() && width(line) > maxWidth) {
        std::size_t cut = fittingPrefix(line, maxWidth, width);
        const std::size_t space = line.rfind(' ', cut);
        const bool atSpace = cut < line.size() && line[cut] == ' ';
        if (!atSpace && space != std::string::npos && space > 0)
            cut = space; // break between words where one fits
        out.push_back(line.substr(0, cut));
        const std::size_t rest = line.find_first_not_of(' ', cut);
        line = rest == std::string::npos ? std::string() : line.substr(rest);
    }
    if (!line.empty() || out.empty())
        out.push_back(line);
}

} // namespace

std::vector<std::string> wrapText(const std::vector<std::string>& lines, int maxWidth,
                                  std::size_t maxLines,
                                  const std::function<int(const std::string&)>& width)
{
    std::vector<std::string> out;
    for (const auto& line : lines) {
        std::vector<std::string> pieces;
        wrapLine(line, maxWidth, width, pieces);
        out.insert(out.end(), pieces.begin(), pieces.end());
    }
    if (maxLines == 0)
        return {};
    if (out.size() <= maxLines)
        return out;
    out.resize(maxLines);
    std::string& last = out.back();
    while (!last.empty() && width(last + kEllipsis) > maxWidth) {
        std::size_t start = last.size() - 1; // of the last character
        while (start > 0 && (static_cast<unsigned char>(last[start]) & 0xC0) == 0x80)
            --start;
        last.erase(start);
    }
    last += kEllipsis;
    return out;
}

} // namespace pistream
