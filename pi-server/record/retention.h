#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pistream {

struct RetentionConfig {
    std::uint64_t maxBytes = 0;   // --retain-size; 0: no limit
    int maxDays = 0;              // --retain-days; 0: no limit
    double minFreeFraction = 0.1; // of the filesystem, always kept free
};

// One recording on disk: a clip with its thumbnail, or a segment.
struct Recording {
    std::string name;        // the clip's file name (what the caller deletes by)
    std::uint64_t bytes = 0; // all of its files
    std::int64_t startMs = 0;
};

// The filesystem the recordings live on, as statvfs says.
struct FilesystemSpace {
    std::uint64_t totalBytes = 0;
    std::uint64_t freeBytes = 0; // available to the server (f_bavail)
};

// Which recordings to delete, oldest first: every one older than maxDays,
// then the oldest until the rest fit in maxBytes and the filesystem has
// minFreeFraction free plus `needBytes` (room for what is about to be
// written). Recordings are taken in startMs order (ties by name). Never
// deletes `keep` (the file being written). Pure: the time and the space are
// passed in.
std::vector<std::string> chooseDeletions(std::vector<Recording> recordings,
                                         const RetentionConfig& config,
                                         const FilesystemSpace& space, std::int64_t nowMs,
                                         std::uint64_t needBytes = 0, const std::string& keep = {});

// "8G", "500M", "64k", "1024" (bytes), binary multiples; throws
// std::invalid_argument naming the text.
std::uint64_t parseByteSize(const std::string& text);

} // namespace pistream
