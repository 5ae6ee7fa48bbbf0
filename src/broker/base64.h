#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pistream {

// Base64 both ways, for what goes to and comes from a broker (the Python
// MQTT streamers and MXCuBE carry JPEGs as base64 text). Pure.

// Standard base64 with padding, no line breaks (OpenSSL's EVP_EncodeBlock).
std::string base64Encode(std::span<const std::uint8_t> bytes);
// The bytes of standard base64 text (padding optional, no line breaks; a
// trailing line break is ignored); nothing when it is not base64. For what
// broker sources receive: the text is a peer's.
std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text);

} // namespace pistream
