#pragma once

#include <functional>
#include <string>
#include <vector>

namespace pistream {

// Fits lines of text into a box: each line is broken at spaces (or, for a word
// longer than the box, between UTF-8 characters) into lines no wider than
// `maxWidth`, and when more lines result than `maxLines`, the last one kept
// ends in "...". `width` measures a string in the same unit as `maxWidth`
// (pixels for a font, characters in tests). No SDL here, so tests can use it.
std::vector<std::string> wrapText(const std::vector<std::string>& lines, int maxWidth,
                                  std::size_t maxLines,
                                  const std::function<int(const std::string&)>& width);

} // namespace pistream
