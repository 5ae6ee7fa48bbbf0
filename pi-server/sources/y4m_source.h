#pragma once

#include <memory>
#include <vector>

#include "core/mapped_file.h"
#include "sources/paced_source.h"

namespace pistream {

// A YUV4MPEG2 4:2:0 file (what `ffmpeg -pix_fmt yuv420p -f yuv4mpegpipe`
// writes), looped, paced at the file's rate or at fpsOverride when > 0. Frames
// are lent straight out of the memory-mapped file: nothing is copied before
// the JPEG encoder reads the planes.
class Y4mSource : public PacedSource {
public:
    // Throws std::runtime_error naming the file and the problem.
    Y4mSource(const std::string& path, double fpsOverride);
    ~Y4mSource() override;

    StreamFormat format() const override { return format_; }
    std::string describe() const override;
    std::size_t frameCount() const { return frames_.size(); }
    // Frame `index` of the file (modulo its length), lent out of the mapping.
    FramePtr frame(std::uint64_t index, std::int64_t captureMicros = 0) const;

protected:
    FramePtr produce(std::uint64_t sequence, std::int64_t captureMicros) override;

private:
    std::shared_ptr<const MappedFile> file_;
    StreamFormat format_;
    std::vector<std::size_t> frames_; // offset of each frame's Y plane
};

} // namespace pistream
