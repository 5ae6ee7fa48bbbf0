#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

struct AVFormatContext;
struct AVPacket;

namespace pistream {

// What MkvRecorder throws: the message names the file; errorNumber() is the
// errno behind it when there is one (ENOSPC, EIO: the card is full or failing),
// else 0.
class MkvError : public std::runtime_error {
public:
    MkvError(const std::string& what, int errorNumber)
        : std::runtime_error(what), errorNumber_(errorNumber)
    {}
    int errorNumber() const { return errorNumber_; }

private:
    int errorNumber_ = 0;
};

// Writes JPEGs, unchanged, as an MJPEG video track in a Matroska
// file (libavformat), timed by their capture timestamps. Every packet is
// flushed as it is written, so a recording cut short by a crash or kill -9
// still plays up to its last frame.
class MkvRecorder {
public:
    // Throws MkvError naming the file and the problem.
    MkvRecorder(const std::string& path, int width, int height);
    ~MkvRecorder();
    MkvRecorder(const MkvRecorder&) = delete;
    MkvRecorder& operator=(const MkvRecorder&) = delete;

    // captureMicros: the frame's capture time (any monotonic clock). Throws
    // MkvError when the write fails; the file keeps what was written before.
    void write(std::span<const std::uint8_t> jpeg, std::int64_t captureMicros);
    void close();

    const std::string& path() const { return path_; }
    int width() const { return width_; }
    int height() const { return height_; }
    std::uint64_t frames() const { return frames_; }
    // Milliseconds from the first frame written to the last (0 before two).
    std::int64_t durationMillis() const { return lastPts_ < 0 ? 0 : lastPts_; }

private:
    std::string path_;
    int width_ = 0;
    int height_ = 0;
    AVFormatContext* context_ = nullptr;
    AVPacket* packet_ = nullptr;
    std::optional<std::int64_t> firstMicros_;
    std::int64_t lastPts_ = -1;
    std::uint64_t frames_ = 0;
    bool open_ = false;
};

// Milliseconds from a Matroska (or any libavformat) file's first frame to its
// last, reading the packets (a file cut short by a crash included); nothing
// when it does not open or holds no frame.
std::optional<std::int64_t> mkvLastFrameMillis(const std::string& path);

} // namespace pistream
