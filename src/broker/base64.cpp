#include "broker/base64.h"

#include <algorithm>
#include <openssl/evp.h>

namespace pistream {

std::string base64Encode(std::span<const std::uint8_t> bytes)
{
    std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    // EVP_EncodeBlock takes an int length: frames are far below 2 GiB (the
    // protocol caps them), but split anyway rather than trust that here.
    std::size_t written = 0;
    constexpr std::size_t kChunk = 3 * (1u << 20); // a multiple of 3: no padding in between
    for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
        const std::size_t length = std::min(kChunk, bytes.size() - at);
        written += static_cast<std::size_t>(
            EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data() + written),
                            bytes.data() + at, static_cast<int>(length)));
    }
    text.resize(written);
    return text;
}

std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    std::size_t padding = 0;
    while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=')
        ++padding;
    // EVP_DecodeBlock wants whole quantums: put back the padding a sender left out.
    std::string padded;
    if (text.size() % 4 != 0) {
        if (padding > 0 || text.size() % 4 == 1)
            return std::nullopt;
        padding = 4 - text.size() % 4;
        padded.reserve(text.size() + padding);
        padded.append(text).append(padding, '=');
        text = padded;
    }
    // EVP_DecodeBlock skips leading and trailing blanks: refuse them instead.
    const auto isBase64 = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/' || c == '=';
    };
    if (!std::all_of(text.begin(), text.end(), isBase64))
        return std::nullopt;
    std::vector<std::uint8_t> bytes(text.size() / 4 * 3);
    std::size_t written = 0;
    constexpr std::size_t kChunk = 4 * (1u << 20); // a multiple of 4: whole quantums
    for (std::size_t at = 0; at < text.size(); at += kChunk) {
        const std::size_t length = std::min(kChunk, text.size() - at);
        const int decoded = EVP_DecodeBlock(
            bytes.data() + written, reinterpret_cast<const unsigned char*>(text.data() + at),
            static_cast<int>(length));
        if (decoded < 0)
            return std::nullopt;
        written += static_cast<std::size_t>(decoded);
    }
    // '=' only at the very end, and EVP_DecodeBlock counts its zero bytes.
    if (text.substr(0, text.size() - padding).find('=') != std::string_view::npos)
        return std::nullopt;
    bytes.resize(written - padding);
    return bytes;
}

} // namespace pistream
