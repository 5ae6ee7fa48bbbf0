#include "broker/broker_payload.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include "broker/base64.h"
#include "codec/jpeg_syntax.h"
#include "core/printable_text.h"
#include "protocol/messages.h"

namespace pistream {

namespace {

constexpr std::size_t kSnippetBytes = 24;

bool startsJpeg(std::span<const std::uint8_t> bytes)
{
    return bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == jpeg_marker::kSoi;
}

std::string_view asText(std::span<const std::uint8_t> bytes)
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

PayloadError fromBase64(std::string_view text, std::vector<std::uint8_t>& out)
{
    auto bytes = base64Decode(text);
    if (!bytes)
        return std::string("not base64");
    if (!startsJpeg(*bytes))
        return std::string("base64, but not of a JPEG (no FF D8 at the start)");
    out = std::move(*bytes);
    return std::nullopt;
}

} // namespace

PayloadError decodeJpegPayload(std::vector<std::uint8_t>& payload)
{
    if (payload.empty())
        return std::string("empty message");
    if (startsJpeg(payload))
        return std::nullopt;
    if (PayloadError error = fromBase64(asText(payload), payload))
        return "neither a JPEG nor " + std::string(*error == "not base64" ? "base64" : *error) +
               " (starts " + payloadSnippet(payload) + ")";
    return std::nullopt;
}

PayloadError decodeMxcubePayload(std::vector<std::uint8_t>& payload)
{
    const nlohmann::json message = nlohmann::json::parse(payload.begin(), payload.end(), nullptr,
                                                         /*allow_exceptions=*/false);
    if (message.is_discarded())
        return "not JSON (starts " + payloadSnippet(payload) + ")";
    if (!message.is_object())
        return std::string("JSON, but not an object");
    const auto data = message.find("data");
    if (data == message.end() || !data->is_string())
        return std::string("no \"data\" string in the JSON");
    std::vector<std::uint8_t> jpeg;
    if (PayloadError error = fromBase64(data->get_ref<const std::string&>(), jpeg))
        return "\"data\": " + *error;

    // "size": checked against the JPEG's own header, either way round.
    const auto size = message.find("size");
    if (size != message.end()) {
        if (!size->is_array() || size->size() != 2 || !(*size)[0].is_number_integer() ||
            !(*size)[1].is_number_integer())
            return std::string("\"size\" is not [height, width]");
        JpegHeader header;
        if (readJpegHeader(jpeg, header) != JpegSyntaxError::None)
            return std::string("\"data\": not a readable JPEG");
        const auto first = (*size)[0].get<std::int64_t>();
        const auto second = (*size)[1].get<std::int64_t>();
        const bool heightFirst = first == header.height && second == header.width;
        const bool widthFirst = first == header.width && second == header.height;
        if (!heightFirst && !widthFirst)
            return "\"size\" [" + std::to_string(first) + ", " + std::to_string(second) +
                   "] is not the JPEG's " + std::to_string(header.width) + "x" +
                   std::to_string(header.height);
    }
    payload = std::move(jpeg);
    return std::nullopt;
}

PayloadError checkJpeg(std::vector<std::uint8_t>& jpeg, JpegSize& size)
{
    if (!startsJpeg(jpeg))
        return std::string("not a JPEG (no FF D8 at the start)");
    JpegHeader header;
    if (const JpegSyntaxError error = readJpegHeader(jpeg, header); error != JpegSyntaxError::None)
        return std::string("bad JPEG header: ") + describe(error);
    const auto end = findJpegEnd(jpeg);
    if (!end)
        return std::string("truncated or malformed JPEG (no EOI after its scans)");
    jpeg.resize(*end); // anything after the EOI is not the picture's
    if (header.width <= 0 || header.height <= 0 || header.width > 65535 || header.height > 65535)
        return "JPEG size " + std::to_string(header.width) + "x" + std::to_string(header.height) +
               " out of range";
    if (jpeg.size() >
        std::uint64_t(header.width) * std::uint64_t(header.height) * 3 + kJpegMarkerSlack)
        return std::string("JPEG larger than its picture can be");
    size = {header.width, header.height};
    return std::nullopt;
}

std::string payloadSnippet(std::span<const std::uint8_t> payload)
{
    const auto head = payload.first(std::min(payload.size(), kSnippetBytes));
    return "\"" + escapeText(head, 4 * kSnippetBytes) + "\"" +
           (payload.size() > head.size() ? "..." : "");
}

} // namespace pistream
