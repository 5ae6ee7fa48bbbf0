#include "discovery/camera_list.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "core/printable_text.h"

namespace pistream {

namespace {

std::optional<unsigned> parseNumber(std::string_view text, unsigned max)
{
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || text.empty() || value > max)
        return std::nullopt;
    return value;
}

bool isFps(std::string_view text)
{
    if (text.empty() || text.size() > 10)
        return false;
    int dots = 0;
    for (const char c : text) {
        if (c == '.')
            ++dots;
        else if (c < '0' || c > '9')
            return false;
    }
    return dots <= 1 && text.front() != '.' && text.back() != '.';
}

std::string sizeText(const CameraTxt& txt)
{
    if (txt.width == 0 || txt.height == 0)
        return "-";
    return std::to_string(txt.width) + "x" + std::to_string(txt.height);
}

// fps= as a number (checked by isFps: digits and one dot), null when absent.
nlohmann::json fpsJson(const std::string& fps)
{
    double value = 0;
    const auto result = std::from_chars(fps.data(), fps.data() + fps.size(), value);
    if (fps.empty() || result.ec != std::errc())
        return nullptr;
    return value;
}

// Peer text for a terminal: escaped and capped.
std::string shown(const std::string& text, std::size_t max = 64)
{
    const std::string escaped = escapeText(text, max);
    return escaped.empty() ? "-" : escaped;
}

} // namespace

CameraTxt parseCameraTxt(const std::vector<std::string>& records)
{
    CameraTxt txt;
    std::size_t read = 0;
    for (const std::string& record : records) {
        if (++read > kMaxTxtRecords)
            break;
        const auto equals = record.find('=');
        if (equals == std::string::npos)
            continue;
        const std::string_view key = std::string_view(record).substr(0, equals);
        std::string_view value = std::string_view(record).substr(equals + 1);
        if (value.size() > kMaxTxtValue)
            value = value.substr(0, kMaxTxtValue);
        if (key == "v") {
            txt.version = std::string(value.substr(0, 16));
        } else if (key == "name") {
            txt.name = std::string(value);
        } else if (key == "size") {
            const auto x = value.find('x');
            if (x == std::string_view::npos)
                continue;
            const auto width = parseNumber(value.substr(0, x), 65535);
            const auto height = parseNumber(value.substr(x + 1), 65535);
            if (width && height) {
                txt.width = *width;
                txt.height = *height;
            }
        } else if (key == "fps") {
            if (isFps(value))
                txt.fps = std::string(value);
        } else if (key == "key") {
            if (value == "yes")
                txt.keyNeeded = true;
            else if (value == "no")
                txt.keyNeeded = false;
        } else if (key == "http") {
            if (const auto port = parseNumber(value, 65535); port && *port > 0)
                txt.httpPort = static_cast<std::uint16_t>(*port);
        } else if (key == "https") {
            txt.https = value == "yes";
        }
    }
    return txt;
}

std::string DiscoveredCamera::endpoint() const
{
    if (address.find(':') != std::string::npos)
        return "[" + address + "]:" + std::to_string(port);
    return address + ":" + std::to_string(port);
}

std::string DiscoveredCamera::hostEndpoint() const
{
    return host + ":" + std::to_string(port);
}

std::vector<DiscoveredCamera> mergeCameras(std::vector<DiscoveredCamera> found)
{
    std::map<std::string, DiscoveredCamera> byName;
    for (DiscoveredCamera& camera : found) {
        const auto it = byName.find(camera.service);
        if (it == byName.end())
            byName.emplace(camera.service, std::move(camera));
        else if (it->second.ipv6 && !camera.ipv6)
            it->second = std::move(camera);
    }
    std::vector<DiscoveredCamera> cameras;
    cameras.reserve(byName.size());
    for (auto& entry : byName)
        cameras.push_back(std::move(entry.second));
    return cameras;
}

std::vector<std::string> alignColumns(const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    }
    std::vector<std::string> lines;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size())
                line += std::string(widths[i] - row[i].size() + 2, ' ');
        }
        lines.push_back(std::move(line));
    }
    return lines;
}

std::string formatCameraTable(const std::vector<DiscoveredCamera>& cameras, const KeyLookup& hasKey)
{
    std::vector<std::vector<std::string>> rows = {
        {"NAME", "HOST", "ADDRESS", "PORT", "SIZE", "FPS", "KEY"}};
    for (const DiscoveredCamera& camera : cameras) {
        std::string key = "-";
        if (camera.txt.keyNeeded == false)
            key = "not needed";
        else
            key = hasKey && hasKey(camera) ? "stored" : "needed";
        rows.push_back({shown(camera.service), shown(camera.host), shown(camera.address),
                        std::to_string(camera.port), sizeText(camera.txt),
                        camera.txt.fps.empty() ? "-" : camera.txt.fps, key});
    }
    std::string out;
    for (const std::string& line : alignColumns(rows))
        out += line + "\n";
    return out;
}

nlohmann::json camerasJson(const std::vector<DiscoveredCamera>& cameras, const KeyLookup& hasKey)
{
    nlohmann::json list = nlohmann::json::array();
    for (const DiscoveredCamera& camera : cameras) {
        const CameraTxt& txt = camera.txt;
        // Strings from the network go out escaped: valid JSON whatever was sent.
        nlohmann::json entry = {
            {"name", escapeText(txt.name.empty() ? camera.service : txt.name, kMaxTxtValue)},
            {"service", escapeText(camera.service, kMaxTxtValue)},
            {"host", escapeText(camera.host, kMaxTxtValue)},
            {"address", escapeText(camera.address, kMaxTxtValue)},
            {"port", camera.port},
            {"endpoint", escapeText(camera.endpoint(), kMaxTxtValue)},
            {"size", sizeText(txt)},
            {"width", txt.width},
            {"height", txt.height},
            {"fps", fpsJson(txt.fps)},
            {"key_needed",
             txt.keyNeeded ? nlohmann::json(*txt.keyNeeded) : nlohmann::json(nullptr)},
            {"key_stored", hasKey && hasKey(camera)},
            {"version", escapeText(txt.version, 16)},
            {"http_port", txt.httpPort ? nlohmann::json(*txt.httpPort) : nlohmann::json(nullptr)},
        };
        list.push_back(std::move(entry));
    }
    return list;
}

} // namespace pistream
