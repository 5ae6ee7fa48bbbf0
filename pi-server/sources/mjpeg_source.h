#pragma once

#include <memory>
#include <span>
#include <vector>

#include "core/mapped_file.h"
#include "sources/paced_source.h"

namespace pistream {

// A file of concatenated JPEG frames (what `ffmpeg -f mjpeg` writes), looped at
// `fps`. Frames are checked once when the file is opened and then sent without
// re-encoding, lent straight out of the memory-mapped file.
class MjpegSource : public PacedSource {
public:
    // Throws std::runtime_error naming the file and the problem.
    MjpegSource(const std::string& path, double fps);
    ~MjpegSource() override;

    StreamFormat format() const override { return format_; }
    std::string describe() const override;
    std::size_t frameCount() const { return frames_.size(); }

protected:
    FramePtr produce(std::uint64_t sequence, std::int64_t captureMicros) override;

private:
    struct Entry {
        std::span<const std::uint8_t> jpeg;
        int width = 0;
        int height = 0;
    };

    std::shared_ptr<const MappedFile> file_;
    StreamFormat format_;
    std::vector<Entry> frames_;
};

} // namespace pistream
