#include "support/frame_collector.h"

namespace pistream::test {

std::vector<CollectedFrame> collectFrames(FrameSource& source, std::size_t count,
                                          std::chrono::milliseconds timeout)
{
    std::mutex mutex;
    std::condition_variable done;
    std::vector<CollectedFrame> frames;
    source.start({[&](FramePtr frame) {
                      CollectedFrame copy{frame->sequence, frame->captureMicros, frame->width,
                                          frame->height,   frame->format,        {}};
                      if (frame->format == PixelFormat::Mjpeg) {
                          copy.bytes.assign(frame->jpeg.begin(), frame->jpeg.end());
                      } else {
                          for (std::size_t p = 0; p < 3; ++p) {
                              const int w = p == 0 ? frame->width : chromaSize(frame->width);
                              const int h = p == 0 ? frame->height : chromaSize(frame->height);
                              for (int row = 0; row < h; ++row) {
                                  const auto* line =
                                      frame->planes[p].data +
                                      static_cast<std::ptrdiff_t>(row) * frame->planes[p].stride;
                                  copy.bytes.insert(copy.bytes.end(), line, line + w);
                              }
                          }
                      }
                      std::lock_guard lock(mutex);
                      if (frames.size() < count)
                          frames.push_back(std::move(copy));
                      done.notify_all();
                  },
                  nullptr});
    {
        std::unique_lock lock(mutex);
        done.wait_for(lock, timeout, [&] { return frames.size() >= count; });
    }
    source.stop();
    return frames;
}

} // namespace pistream::test
