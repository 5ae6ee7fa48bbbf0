#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace pistream {

// One motion event as the index keeps it. Paths are file names inside the
// recording directory, never absolute: nothing served can point elsewhere.
struct EventRow {
    std::int64_t id = 0;
    std::int64_t startMs = 0;          // Unix time the event started
    std::optional<std::int64_t> endMs; // none while it lasts (or after a crash, until repaired)
    double score = 0;                  // the peak
    std::array<double, 4> box{};       // x, y, w, h of the peak, normalised
    std::string clip;                  // e.g. event-20261202-193000-123.mkv
    std::string thumbnail;             // "" until written
    std::int64_t clipStartMs = 0;      // Unix time of the clip's first frame (pre-roll)
};

// What repair() changed.
struct IndexRepair {
    int added = 0;   // clips without a row
    int removed = 0; // rows without a clip
    int closed = 0;  // events left open by a crash
};

// The index of recorded events, in SQLite (Debian's libsqlite3) in the
// recording directory. One connection, serialised by a mutex: the recorder's
// thread writes, the io thread reads a page at a time for /api/events.
class EventIndex {
public:
    // Opens or makes the database. Throws std::runtime_error with one line.
    explicit EventIndex(const std::filesystem::path& file);
    ~EventIndex();
    EventIndex(const EventIndex&) = delete;
    EventIndex& operator=(const EventIndex&) = delete;

    // Returns the new row's id.
    std::int64_t insert(const EventRow& row);
    // Writes end, score, box and thumbnail of row.id.
    void update(const EventRow& row);
    // Newest first; ids below `before` when given; at most `limit`.
    std::vector<EventRow> list(std::size_t limit, std::optional<std::int64_t> before = {}) const;
    std::optional<EventRow> find(std::int64_t id) const;
    // The Unix time of the clip's first frame, once it is written.
    void setClipStart(std::int64_t id, std::int64_t clipStartMs);
    // Forgets the event whose clip this was (retention deleted it).
    void removeClip(const std::string& clip);

    // Makes the index agree with the files in `dir`: a clip without a row gets
    // one (its start from the name), a row whose clip is gone is deleted, an
    // event left open gets its end from its clip's last frame, or its start.
    // `lastFrameMillis(path)`: milliseconds from a clip's first frame to its
    // last, if it can be read.
    IndexRepair
    repair(const std::filesystem::path& dir,
           const std::function<std::optional<std::int64_t>(const std::filesystem::path&)>&
               lastFrameMillis);

private:
    void exec(const char* sql);

    sqlite3* db_ = nullptr;
    mutable std::mutex mutex_;
};

} // namespace pistream
