#pragma once

// How doctest shows our values when a check fails.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "protocol/messages.h"

namespace doctest {

template <> struct StringMaker<std::vector<std::uint8_t>> {
    static String convert(const std::vector<std::uint8_t>& bytes)
    {
        std::string text = std::to_string(bytes.size()) + " bytes {";
        for (std::size_t i = 0; i < bytes.size() && i < 16; ++i) {
            char hex[4];
            std::snprintf(hex, sizeof hex, " %02x", bytes[i]);
            text += hex;
        }
        text += bytes.size() > 16 ? " ...}" : " }";
        return text.c_str();
    }
};

template <> struct StringMaker<pistream::ByeReason> {
    static String convert(pistream::ByeReason reason) { return pistream::nameOf(reason); }
};

} // namespace doctest
