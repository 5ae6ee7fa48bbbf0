#include "record/event_recorder.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <sys/statvfs.h>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/printable_text.h"
#include "media/mkv_recorder.h"
#include "record/recording_names.h"

namespace pistream {

namespace {

using SteadyClock = std::chrono::steady_clock;

// A pass-through MJPEG frame lends its JPEG from the source (a webcam's
// buffer, a mapped file): holding seconds of them (the ring, the writer's
// queue) would starve the camera, so the recorder keeps its own copy of those. Encoded frames are
// shared as they are.
EncodedFramePtr ownedFrame(const EncodedFramePtr& frame)
{
    if (!frame->source)
        return frame;
    auto copy = std::make_shared<EncodedFrame>();
    copy->header = frame->header;
    copy->jpegStorage.resize(frame->jpeg.size());
    std::memcpy(copy->jpegStorage.data(), frame->jpeg.data(), frame->jpeg.size());
    copy->jpeg = copy->jpegStorage.span();
    return copy;
}

std::string describe(const std::error_code& error)
{
    return error.message();
}

} // namespace

RecordMode parseRecordMode(const std::string& text)
{
    if (text == "off")
        return RecordMode::Off;
    if (text == "motion")
        return RecordMode::Motion;
    if (text == "continuous")
        return RecordMode::Continuous;
    throw std::invalid_argument("--record must be off, motion or continuous, not '" +
                                escapeText(text, 40) + "'");
}

EventRecorder::EventRecorder(asio::io_context& io, FrameHub& hub, const RecorderConfig& config)
    : io_(io), config_(config), ring_(config.preRoll)
{
    // Unwritable at start: one line, exit 1 (main). Later failures are retried.
    std::error_code error;
    std::filesystem::create_directories(config_.dir, error);
    if (error)
        throw std::runtime_error("cannot record to " + config_.dir.string() + ": " +
                                 describe(error));
    const auto probe = config_.dir / ".pistream-write-test";
    {
        std::ofstream out(probe);
        if (!out || !(out << "ok") || !out.flush())
            throw std::runtime_error("cannot record to " + config_.dir.string() +
                                     ": cannot write there (" + std::strerror(errno) + ")");
    }
    std::filesystem::remove(probe, error);
    // Thumbnails half-written when the power went: ours (a recording's name
    // with ".part"), never finished, never listed.
    for (const auto& entry : std::filesystem::directory_iterator(config_.dir, error)) {
        const auto name = entry.path().filename().string();
        if (name.ends_with(".part") && parseRecordingName(name.substr(0, name.size() - 5)))
            std::filesystem::remove(entry.path(), error);
    }
    index_ = std::make_unique<EventIndex>(config_.dir / "events.sqlite3");
    const IndexRepair repair = index_->repair(config_.dir, [](const std::filesystem::path& clip) {
        return mkvLastFrameMillis(clip.string());
    });
    if (repair.added || repair.removed || repair.closed)
        spdlog::info("recording: index repaired from the files: {} clip{} without a row added, "
                     "{} row{} without a clip removed, {} event{} left open ended",
                     repair.added, repair.added == 1 ? "" : "s", repair.removed,
                     repair.removed == 1 ? "" : "s", repair.closed, repair.closed == 1 ? "" : "s");
    subscription_ = hub.subscribe(*this, true);
}

EventRecorder::~EventRecorder()
{
    stop();
}

void EventRecorder::start()
{
    thread_ = std::thread([this] { run(); });
}

void EventRecorder::stop()
{
    subscription_.reset();
    if (inClip_) {
        // The event may go on; the clip ends here, with the last frame held.
        closeClip(pendingEndMs_.value_or(unixMillis()));
    }
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

void EventRecorder::onFrame(const EncodedFramePtr& incoming)
{
    if (!incoming || incoming->jpeg.empty())
        return;
    if (config_.mode == RecordMode::Continuous) {
        const EncodedFramePtr frame = ownedFrame(incoming); // no ring: written as it comes
        const std::int64_t capture = frame->header.captureMicros;
        const std::int64_t segmentMicros =
            std::chrono::duration_cast<std::chrono::microseconds>(config_.segment).count();
        if (inClip_ &&
            (capture - segmentStartMicros_ >= segmentMicros || capture < segmentStartMicros_))
            closeClip(unixMillisAt(frame->header.captureMicros));
        if (!inClip_) {
            Command open;
            open.kind = Command::Kind::Open;
            open.recording = RecordingKind::Segment;
            open.unixMs = unixMillisAt(frame->header.captureMicros);
            queue(std::move(open));
            inClip_ = true;
            sentAny_ = false;
            segmentStartMicros_ = capture;
        }
        sendFrame(frame);
        return;
    }
    const EncodedFramePtr frame = ownedFrame(incoming);
    ring_.push(frame);
    if (!bestFrame_ && !bestWritten_ && frame->header.sequence == bestSequence_)
        bestFrame_ = frame;
    if (!inClip_)
        return;
    sendFrame(frame);
    if (postRollEnd_ && frame->header.captureMicros >= *postRollEnd_)
        closeClip(pendingEndMs_.value_or(unixMillisAt(frame->header.captureMicros)));
}

void EventRecorder::onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change)
{
    if (config_.mode != RecordMode::Motion)
        return;
    if (change == MotionEvents::Change::Started) {
        if (inClip_) // a new event during the last one's post-roll: that clip ends now
            closeClip(pendingEndMs_.value_or(event.startMs));
        openClip(event);
    } else if (change == MotionEvents::Change::Ended) {
        event_ = event;
        if (!inClip_)
            return;
        pendingEndMs_ = event.endMs;
        postRollEnd_ =
            lastCaptureMicros_ +
            std::chrono::duration_cast<std::chrono::microseconds>(config_.postRoll).count();
    } else {
        event_ = event;
    }
}

void EventRecorder::onMotionSample(const MotionSample& sample)
{
    if (config_.mode != RecordMode::Motion)
        return;
    if (!sample.motion) {
        if (!inClip_ && !bestWritten_) { // motion that never became an event
            bestScore_ = -1;
            bestFrame_.reset();
            bestWritten_ = true;
        }
        return;
    }
    if (sample.score <= bestScore_)
        return;
    bestScore_ = sample.score;
    bestSequence_ = sample.sequence;
    bestFrame_ = ring_.find(sample.sequence); // or when the frame comes
    bestWritten_ = false;
}

void EventRecorder::openClip(const MotionEventRecord& event)
{
    event_ = event;
    Command open;
    open.kind = Command::Kind::Open;
    open.recording = RecordingKind::Event;
    open.unixMs = event.startMs;
    open.event = event;
    queue(std::move(open));
    inClip_ = true;
    sentAny_ = false;
    postRollEnd_.reset();
    pendingEndMs_.reset();
    // The pre-roll: the frames held, oldest first (they stay in the ring).
    for (const EncodedFramePtr& frame : ring_.frames())
        sendFrame(frame);
    if (bestFrame_) {
        Command thumbnail;
        thumbnail.kind = Command::Kind::Thumbnail;
        thumbnail.frame = bestFrame_;
        queue(std::move(thumbnail));
    }
}

void EventRecorder::closeClip(std::int64_t endMs)
{
    if (config_.mode == RecordMode::Motion && bestFrame_ && !bestWritten_) {
        Command thumbnail;
        thumbnail.kind = Command::Kind::Thumbnail;
        thumbnail.frame = bestFrame_;
        queue(std::move(thumbnail));
    }
    Command close;
    close.kind = Command::Kind::Close;
    close.unixMs = endMs;
    close.event = event_;
    queue(std::move(close));
    inClip_ = false;
    postRollEnd_.reset();
    pendingEndMs_.reset();
    bestScore_ = -1;
    bestFrame_.reset();
    bestWritten_ = true;
}

void EventRecorder::sendFrame(const EncodedFramePtr& frame)
{
    if (sentAny_ && frame->header.sequence <= lastSent_)
        return; // already in this clip (the pre-roll and the live frames meet)
    sentAny_ = true;
    lastSent_ = frame->header.sequence;
    lastCaptureMicros_ = frame->header.captureMicros;
    Command command;
    command.kind = Command::Kind::Frame;
    command.frame = frame;
    command.unixMs = unixMillisAt(frame->header.captureMicros);
    queue(std::move(command));
}

void EventRecorder::queue(Command command)
{
    {
        std::lock_guard lock(mutex_);
        if (command.kind == Command::Kind::Frame) {
            const std::size_t bytes = command.frame->jpeg.size();
            if (queuedFrames_ + 1 > config_.queueFrames ||
                queuedBytes_ + bytes > config_.queueBytes) {
                ++dropped_;
                return;
            }
            ++queuedFrames_;
            queuedBytes_ += bytes;
        }
        queue_.push_back(std::move(command));
    }
    wake_.notify_one();
}

// ---- the recorder's thread ----

void EventRecorder::run()
{
    nextRetention_ = SteadyClock::now();
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait_until(lock, nextRetention_, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
            if (stopping_)
                break;
            lock.unlock();
            applyRetention(0);
            nextRetention_ = SteadyClock::now() + config_.retentionPeriod;
            lock.lock();
            continue;
        }
        Command command = std::move(queue_.front());
        queue_.pop_front();
        if (command.kind == Command::Kind::Frame) {
            --queuedFrames_;
            queuedBytes_ -= command.frame->jpeg.size();
        }
        lock.unlock();
        execute(command);
        command.frame.reset(); // the frame's buffer goes back to the pool here
        lock.lock();
    }
    lock.unlock();
    closeFile(std::nullopt);
}

void EventRecorder::execute(Command& command)
{
    switch (command.kind) {
    case Command::Kind::Open:
        closeFile(std::nullopt);
        row_ = EventRow{};
        openCommand_ = command;
        reopenCount_ = 0;
        failed_ = false;
        break;
    case Command::Kind::Frame:
        if (!openCommand_)
            return;
        if (failed_ && SteadyClock::now() < retryAt_) {
            ++lost_;
            return;
        }
        failed_ = false;
        if (!file_)
            openFile(*openCommand_, *command.frame);
        if (file_)
            writeFrame(*command.frame, command.unixMs);
        else
            ++lost_;
        break;
    case Command::Kind::Thumbnail:
        writeThumbnail(*command.frame);
        break;
    case Command::Kind::Close:
        if (openCommand_ && openCommand_->recording == RecordingKind::Event) {
            row_.score = command.event.score;
            row_.box = command.event.box;
        }
        closeFile(command.unixMs);
        openCommand_.reset();
        break;
    }
}

void EventRecorder::openFile(const Command& open, const EncodedFrame& first)
{
    applyRetention(first.jpeg.size() * 64);
    std::string stem = recordingStem(open.recording, open.unixMs);
    if (reopenCount_ > 0)
        stem += "-" + std::to_string(reopenCount_);
    fileName_ = stem + ".mkv";
    const auto path = config_.dir / fileName_;
    try {
        std::error_code error;
        std::filesystem::create_directories(config_.dir, error); // gone and back
        file_ =
            std::make_unique<MkvRecorder>(path.string(), first.header.width, first.header.height);
    } catch (const MkvError& error) {
        ++errors_;
        failed_ = true;
        retryAt_ = SteadyClock::now() + std::chrono::seconds(1);
        logError(error.what());
        if (error.errorNumber() == ENOSPC)
            applyRetention(first.jpeg.size() * 64);
        return;
    }
    ++files_;
    writing_ = true;
    firstFrameMs_.reset();
    if (open.recording == RecordingKind::Event) {
        const std::string thumbnail = row_.thumbnail; // written before the first frame
        row_ = EventRow{};
        row_.thumbnail = thumbnail;
        row_.startMs = open.event.startMs;
        row_.score = open.event.score;
        row_.box = open.event.box;
        row_.clip = fileName_;
        try {
            row_.id = index_->insert(row_);
        } catch (const std::exception& error) {
            logError(error.what());
        }
    }
    spdlog::info("recording: {} opened", path.string());
}

void EventRecorder::writeFrame(const EncodedFrame& frame, std::int64_t unixMs)
{
    try {
        file_->write(frame.jpeg, frame.header.captureMicros);
    } catch (const MkvError& error) {
        // A full or failing card: stop this file (what it has stays
        // playable), make room, and go on in a new one with the next frame.
        ++errors_;
        ++lost_;
        logError(error.what());
        closeFile(std::nullopt);
        ++reopenCount_;
        const int code = error.errorNumber();
        if (code == ENOSPC || code == EDQUOT || code == EIO)
            applyRetention(frame.jpeg.size() * 64);
        failed_ = true;
        retryAt_ = SteadyClock::now() + std::chrono::milliseconds(code == ENOSPC ? 100 : 1000);
        return;
    }
    ++written_;
    if (!firstFrameMs_) {
        firstFrameMs_ = unixMs;
        if (row_.id && openCommand_ && openCommand_->recording == RecordingKind::Event) {
            row_.clipStartMs = unixMs;
            try {
                index_->setClipStart(row_.id, unixMs);
            } catch (const std::exception& error) {
                logError(error.what());
            }
        }
    }
    lastFrameMs_ = unixMs;
}

void EventRecorder::writeThumbnail(const EncodedFrame& frame)
{
    if (!openCommand_ || openCommand_->recording != RecordingKind::Event)
        return;
    const std::string name = recordingStem(RecordingKind::Event, openCommand_->unixMs) + ".jpg";
    const auto path = config_.dir / name;
    const auto partial = config_.dir / (name + ".part");
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(frame.jpeg.data()),
                  static_cast<std::streamsize>(frame.jpeg.size()));
        out.flush();
        if (!out) {
            ++errors_;
            logError("cannot write the thumbnail " + path.string());
            std::error_code ignored;
            std::filesystem::remove(partial, ignored);
            return;
        }
    }
    std::error_code error;
    std::filesystem::rename(partial, path, error);
    if (error) {
        logError("cannot write the thumbnail " + path.string() + ": " + error.message());
        return;
    }
    row_.thumbnail = name;
    if (row_.id) {
        try {
            index_->update(row_);
        } catch (const std::exception& failure) {
            logError(failure.what());
        }
    }
}

void EventRecorder::closeFile(std::optional<std::int64_t> endMs)
{
    if (!file_)
        return;
    try {
        file_->close();
    } catch (const std::exception& error) {
        logError(error.what());
    }
    file_.reset();
    writing_ = false;
    if (row_.id) {
        row_.endMs = endMs.value_or(lastFrameMs_);
        try {
            index_->update(row_);
        } catch (const std::exception& error) {
            logError(error.what());
        }
        // A file reopened after an error starts a row of its own.
        if (!endMs)
            row_.id = 0;
    }
    spdlog::info("recording: {} closed", (config_.dir / fileName_).string());
}

void EventRecorder::applyRetention(std::uint64_t needBytes)
{
    std::vector<Recording> recordings;
    std::error_code error;
    std::map<std::string, std::size_t> byStem;
    for (const auto& entry : std::filesystem::directory_iterator(config_.dir, error)) {
        const std::string name = entry.path().filename().string();
        const auto parsed = parseRecordingName(name);
        std::error_code sizeError;
        const std::uint64_t bytes = entry.file_size(sizeError);
        if (!parsed || sizeError)
            continue;
        const auto [it, inserted] = byStem.try_emplace(parsed->stem, recordings.size());
        if (inserted)
            recordings.push_back({parsed->stem, 0, parsed->startMs});
        recordings[it->second].bytes += bytes;
    }
    if (error)
        return; // the directory is gone: nothing to delete
    struct statvfs fs {};
    FilesystemSpace space;
    if (statvfs(config_.dir.c_str(), &fs) == 0) {
        space.totalBytes = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
        space.freeBytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    }
    const std::string keep = file_ ? fileName_.substr(0, fileName_.size() - 4) : std::string();
    for (const std::string& stem : chooseDeletions(std::move(recordings), config_.retention, space,
                                                   unixMillis(), needBytes, keep)) {
        std::error_code ignored;
        std::filesystem::remove(config_.dir / (stem + ".mkv"), ignored);
        std::filesystem::remove(config_.dir / (stem + ".jpg"), ignored);
        try {
            index_->removeClip(stem + ".mkv");
        } catch (const std::exception& failure) {
            logError(failure.what());
        }
        ++deleted_;
        spdlog::info("recording: retention deleted {}", stem);
    }
}

void EventRecorder::logError(const std::string& text)
{
    if (!errorLog_.allow(SteadyClock::now()))
        return;
    const std::uint64_t more = errorLog_.suppressed();
    spdlog::warn("recording: {}{}; the stream goes on", escapeText(text, 300),
                 more ? fmt::format(" ({} more errors since the last line)", more) : "");
}

EventFiles EventRecorder::eventFiles() const
{
    return {[this](std::size_t limit, std::optional<std::int64_t> before) {
                return eventsJson(limit, before);
            },
            [this](std::int64_t id, bool thumbnail) {
                return recordedFile(id, thumbnail);
            }};
}

nlohmann::json EventRecorder::eventsJson(std::size_t limit,
                                         std::optional<std::int64_t> before) const
{
    nlohmann::json events = nlohmann::json::array();
    try {
        for (const EventRow& row : index_->list(limit, before)) {
            const std::string base = "/events/" + std::to_string(row.id);
            events.push_back(
                {{"id", row.id},
                 {"startMs", row.startMs},
                 {"endMs", row.endMs ? nlohmann::json(*row.endMs) : nlohmann::json(nullptr)},
                 {"score", row.score},
                 {"box", row.box},
                 {"clip", base + "/clip.mkv"},
                 {"play", base + "/play.mjpg"},
                 {"thumbnail", row.thumbnail.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(base + "/thumb.jpg")}});
        }
    } catch (const std::exception& error) {
        spdlog::warn("recording: {}", escapeText(error.what(), 300));
    }
    return {{"events", events}};
}

std::optional<RecordedFile> EventRecorder::recordedFile(std::int64_t id, bool thumbnail) const
{
    std::optional<EventRow> row;
    try {
        row = index_->find(id);
    } catch (const std::exception& error) {
        spdlog::warn("recording: {}", escapeText(error.what(), 300));
    }
    if (!row)
        return std::nullopt;
    const std::string& name = thumbnail ? row->thumbnail : row->clip;
    // Only names of our own making, inside the directory, whatever the index says.
    const auto parsed = parseRecordingName(name);
    if (!parsed || parsed->extension != (thumbnail ? ".jpg" : ".mkv"))
        return std::nullopt;
    const auto path = config_.dir / name;
    std::error_code error;
    const std::uint64_t size = std::filesystem::file_size(path, error);
    if (error || !std::filesystem::is_regular_file(path, error))
        return std::nullopt;
    return RecordedFile{path.string(), size};
}

RecorderStats EventRecorder::stats() const
{
    RecorderStats stats;
    stats.framesWritten = written_.load();
    stats.framesDropped = dropped_.load();
    stats.framesLost = lost_.load();
    stats.files = files_.load();
    stats.deleted = deleted_.load();
    stats.writeErrors = errors_.load();
    stats.writing = writing_.load();
    return stats;
}

nlohmann::json EventRecorder::status() const
{
    const RecorderStats s = stats();
    std::size_t queued = 0;
    {
        std::lock_guard lock(mutex_);
        queued = queuedFrames_;
    }
    return {{"mode", config_.mode == RecordMode::Motion ? "motion" : "continuous"},
            {"dir", config_.dir.string()},
            {"writing", s.writing},
            {"framesWritten", s.framesWritten},
            {"framesDropped", s.framesDropped},
            {"framesLost", s.framesLost},
            {"files", s.files},
            {"deleted", s.deleted},
            {"writeErrors", s.writeErrors},
            {"queuedFrames", queued}};
}

} // namespace pistream
