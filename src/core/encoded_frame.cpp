#include "core/encoded_frame.h"

namespace pistream {

void EncodedFrame::seal(bool gzipped)
{
    header.jpegLength = static_cast<std::uint32_t>(jpeg.size());
    header.flags = gzipped ? kFrameFlagGzip : 0;
    payload = gzipped ? gzipStorage.span() : jpeg;
    wireHeader = encodeFrameHeader(header, payload.size());
}

EncodedFramePool::EncodedFramePool(std::size_t keep) : state_(std::make_shared<State>())
{
    state_->keep = keep;
}

std::shared_ptr<EncodedFrame> EncodedFramePool::acquire()
{
    std::unique_ptr<EncodedFrame> frame;
    {
        std::lock_guard lock(state_->mutex);
        if (!state_->free.empty()) {
            frame = std::move(state_->free.back());
            state_->free.pop_back();
        }
    }
    if (!frame)
        frame = std::make_unique<EncodedFrame>();
    return {frame.release(), [state = state_](EncodedFrame* done) {
                done->source.reset(); // give a lent buffer back now, not at reuse
                std::lock_guard lock(state->mutex);
                if (state->free.size() < state->keep)
                    state->free.emplace_back(done);
                else
                    delete done;
            }};
}

} // namespace pistream
