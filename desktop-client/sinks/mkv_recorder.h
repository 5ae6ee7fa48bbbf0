#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

struct AVFormatContext;
struct AVPacket;

namespace pistream {

// Writes received JPEGs, unchanged, as an MJPEG video track in a Matroska
// file (libavformat), timed by their capture timestamps. Every packet is
// flushed as it is written, so a recording cut short by a crash or kill -9
// still plays up to its last frame.
class MkvRecorder {
public:
    // Throws std::runtime_error naming the file and the problem.
    MkvRecorder(const std::string& path, int width, int height);
    ~MkvRecorder();
    MkvRecorder(const MkvRecorder&) = delete;
    MkvRecorder& operator=(const MkvRecorder&) = delete;

    // captureMicros: the frame's capture time (any monotonic clock).
    void write(std::span<const std::uint8_t> jpeg, std::int64_t captureMicros);
    void close();

    const std::string& path() const { return path_; }
    int width() const { return width_; }
    int height() const { return height_; }
    std::uint64_t frames() const { return frames_; }

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

} // namespace pistream
