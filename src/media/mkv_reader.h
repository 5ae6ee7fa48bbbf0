#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct AVFormatContext;
struct AVPacket;

namespace pistream {

// One frame of a clip: its JPEG as recorded and its time from the clip's
// first frame.
struct MkvFrame {
    std::vector<std::uint8_t> jpeg;
    std::int64_t micros = 0;
};

// Reads the frames of a Matroska MJPEG file (as MkvRecorder writes them)
// back one at a time with libavformat: the packets are the JPEGs, nothing is
// decoded. Each next() reads one packet, a small read, so a caller on an io
// thread is held briefly. A file cut short (power cut, kill -9) reads up to
// its last whole frame, then ends.
class MkvReader {
public:
    // A packet larger than this ends the clip (a damaged or foreign file).
    static constexpr std::size_t kMaxFrameBytes = 16 * 1024 * 1024;

    // Throws MkvError (media/mkv_recorder.h) naming the file and the problem.
    explicit MkvReader(const std::string& path);
    ~MkvReader();
    MkvReader(const MkvReader&) = delete;
    MkvReader& operator=(const MkvReader&) = delete;

    // The next frame of the video track, or nothing at the end (or at the
    // first packet that cannot be read).
    std::optional<MkvFrame> next();

private:
    AVFormatContext* context_ = nullptr;
    AVPacket* packet_ = nullptr;
    int stream_ = -1;
    std::optional<std::int64_t> firstMicros_;
    bool ended_ = false;
};

} // namespace pistream
