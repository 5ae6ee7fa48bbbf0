#include "record/event_index.h"

#include <set>
#include <sqlite3.h>
#include <stdexcept>

#include "record/recording_names.h"

namespace pistream {

namespace {

// A prepared statement that finalises itself.
class Statement {
public:
    Statement(sqlite3* db, const char* sql)
    {
        if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string("event index: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int index, std::int64_t value) { sqlite3_bind_int64(statement_, index, value); }
    void bind(int index, double value) { sqlite3_bind_double(statement_, index, value); }
    void bind(int index, const std::string& value)
    {
        sqlite3_bind_text(statement_, index, value.c_str(), static_cast<int>(value.size()),
                          SQLITE_TRANSIENT);
    }
    void bind(int index, const std::optional<std::int64_t>& value)
    {
        if (value)
            bind(index, *value);
        else
            sqlite3_bind_null(statement_, index);
    }
    // True while there is a row.
    bool step()
    {
        const int result = sqlite3_step(statement_);
        if (result == SQLITE_ROW)
            return true;
        if (result != SQLITE_DONE)
            throw std::runtime_error(std::string("event index: ") +
                                     sqlite3_errmsg(sqlite3_db_handle(statement_)));
        return false;
    }
    std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }
    double real(int column) const { return sqlite3_column_double(statement_, column); }
    bool null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
    std::string text(int column) const
    {
        const auto* bytes = sqlite3_column_text(statement_, column);
        return bytes
                   ? std::string(reinterpret_cast<const char*>(bytes),
                                 static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)))
                   : std::string();
    }

private:
    sqlite3_stmt* statement_ = nullptr;
};

constexpr const char* kColumns =
    "id, start_ms, end_ms, score, box_x, box_y, box_w, box_h, clip, thumbnail, clip_start_ms";

EventRow readRow(const Statement& statement)
{
    EventRow row;
    row.id = statement.integer(0);
    row.startMs = statement.integer(1);
    if (!statement.null(2))
        row.endMs = statement.integer(2);
    row.score = statement.real(3);
    for (int i = 0; i < 4; ++i)
        row.box[static_cast<std::size_t>(i)] = statement.real(4 + i);
    row.clip = statement.text(8);
    row.thumbnail = statement.text(9);
    row.clipStartMs = statement.integer(10);
    return row;
}

} // namespace

EventIndex::EventIndex(const std::filesystem::path& file)
{
    if (sqlite3_open_v2(file.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("cannot open the event index " + file.string() + ": " + why);
    }
    sqlite3_busy_timeout(db_, 1000);
    try {
        // WAL: a reader never waits for the writer; NORMAL sync is safe in WAL
        // (a power cut may lose the last transaction, never the database).
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        exec("CREATE TABLE IF NOT EXISTS events ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " start_ms INTEGER NOT NULL, end_ms INTEGER, score REAL NOT NULL DEFAULT 0,"
             " box_x REAL NOT NULL DEFAULT 0, box_y REAL NOT NULL DEFAULT 0,"
             " box_w REAL NOT NULL DEFAULT 0, box_h REAL NOT NULL DEFAULT 0,"
             " clip TEXT NOT NULL UNIQUE, thumbnail TEXT NOT NULL DEFAULT '',"
             " clip_start_ms INTEGER NOT NULL DEFAULT 0)");
    } catch (const std::runtime_error& error) {
        sqlite3_close(db_);
        throw std::runtime_error("cannot use the event index " + file.string() + ": " +
                                 error.what());
    }
}

EventIndex::~EventIndex()
{
    sqlite3_close(db_);
}

void EventIndex::exec(const char* sql)
{
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message ? message : sqlite3_errmsg(db_);
        sqlite3_free(message);
        throw std::runtime_error(why);
    }
}

std::int64_t EventIndex::insert(const EventRow& row)
{
    std::lock_guard lock(mutex_);
    Statement statement(db_, "INSERT INTO events (start_ms, end_ms, score, box_x, box_y, box_w,"
                             " box_h, clip, thumbnail, clip_start_ms)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    statement.bind(1, row.startMs);
    statement.bind(2, row.endMs);
    statement.bind(3, row.score);
    for (int i = 0; i < 4; ++i)
        statement.bind(4 + i, row.box[static_cast<std::size_t>(i)]);
    statement.bind(8, row.clip);
    statement.bind(9, row.thumbnail);
    statement.bind(10, row.clipStartMs);
    statement.step();
    return sqlite3_last_insert_rowid(db_);
}

void EventIndex::update(const EventRow& row)
{
    std::lock_guard lock(mutex_);
    Statement statement(db_, "UPDATE events SET end_ms = ?, score = ?, box_x = ?, box_y = ?,"
                             " box_w = ?, box_h = ?, thumbnail = ? WHERE id = ?");
    statement.bind(1, row.endMs);
    statement.bind(2, row.score);
    for (int i = 0; i < 4; ++i)
        statement.bind(3 + i, row.box[static_cast<std::size_t>(i)]);
    statement.bind(7, row.thumbnail);
    statement.bind(8, row.id);
    statement.step();
}

std::vector<EventRow> EventIndex::list(std::size_t limit, std::optional<std::int64_t> before) const
{
    std::lock_guard lock(mutex_);
    const std::string sql =
        std::string("SELECT ") + kColumns + " FROM events WHERE id < ? ORDER BY id DESC LIMIT ?";
    Statement statement(db_, sql.c_str());
    statement.bind(1, before.value_or(INT64_MAX));
    // SQLite's LIMIT -1: no limit (repair() reads every row).
    statement.bind(2, limit >= static_cast<std::size_t>(INT64_MAX)
                          ? std::int64_t{-1}
                          : static_cast<std::int64_t>(limit));
    std::vector<EventRow> rows;
    while (statement.step())
        rows.push_back(readRow(statement));
    return rows;
}

std::optional<EventRow> EventIndex::find(std::int64_t id) const
{
    std::lock_guard lock(mutex_);
    const std::string sql = std::string("SELECT ") + kColumns + " FROM events WHERE id = ?";
    Statement statement(db_, sql.c_str());
    statement.bind(1, id);
    if (!statement.step())
        return std::nullopt;
    return readRow(statement);
}

void EventIndex::setClipStart(std::int64_t id, std::int64_t clipStartMs)
{
    std::lock_guard lock(mutex_);
    Statement statement(db_, "UPDATE events SET clip_start_ms = ? WHERE id = ?");
    statement.bind(1, clipStartMs);
    statement.bind(2, id);
    statement.step();
}

void EventIndex::removeClip(const std::string& clip)
{
    std::lock_guard lock(mutex_);
    Statement statement(db_, "DELETE FROM events WHERE clip = ?");
    statement.bind(1, clip);
    statement.step();
}

IndexRepair EventIndex::repair(
    const std::filesystem::path& dir,
    const std::function<std::optional<std::int64_t>(const std::filesystem::path&)>& lastFrameMillis)
{
    IndexRepair report;
    std::set<std::string> clips;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        const std::string name = entry.path().filename().string();
        const auto parsed = parseRecordingName(name);
        if (parsed && parsed->kind == RecordingKind::Event && parsed->extension == ".mkv" &&
            entry.is_regular_file(error))
            clips.insert(name);
    }
    std::vector<EventRow> rows = list(SIZE_MAX);
    std::set<std::string> indexed;
    for (EventRow& row : rows) {
        if (!clips.contains(row.clip)) {
            removeClip(row.clip);
            ++report.removed;
            continue;
        }
        indexed.insert(row.clip);
        if (!row.endMs) {
            const auto last = lastFrameMillis(dir / row.clip);
            row.endMs = last ? std::max(row.startMs, row.clipStartMs + *last) : row.startMs;
            update(row);
            ++report.closed;
        }
    }
    for (const std::string& clip : clips) {
        if (indexed.contains(clip))
            continue;
        const auto parsed = parseRecordingName(clip);
        EventRow row;
        row.startMs = row.clipStartMs = parsed->startMs;
        const auto last = lastFrameMillis(dir / clip);
        row.endMs = row.startMs + (last ? *last : 0);
        row.clip = clip;
        if (std::filesystem::is_regular_file(dir / (parsed->stem + ".jpg"), error))
            row.thumbnail = parsed->stem + ".jpg";
        insert(row);
        ++report.added;
    }
    return report;
}

} // namespace pistream
