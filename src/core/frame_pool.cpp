#include "core/frame_pool.h"

#include <stdexcept>

namespace pistream {

namespace {

int alignUp(int value, int align)
{
    return (value + align - 1) / align * align;
}

} // namespace

FramePool::FramePool(int width, int height, int count, int strideAlign)
    : state_(std::make_shared<State>())
{
    if (width <= 0 || height <= 0 || count <= 0)
        throw std::invalid_argument("frame pool needs a positive size and count");
    state_->width = width;
    state_->height = height;

    const int lumaStride = alignUp(width, strideAlign);
    const int chromaStride = alignUp(chromaSize(width), strideAlign);
    const auto lumaBytes = static_cast<std::size_t>(lumaStride) * static_cast<std::size_t>(height);
    const auto chromaBytes =
        static_cast<std::size_t>(chromaStride) * static_cast<std::size_t>(chromaSize(height));

    for (int i = 0; i < count; ++i) {
        auto buffer = std::make_unique<Buffer>();
        buffer->storage.resize(lumaBytes + 2 * chromaBytes);
        std::uint8_t* base = buffer->storage.data();
        buffer->frame.format = PixelFormat::Yuv420;
        buffer->frame.width = width;
        buffer->frame.height = height;
        buffer->frame.planes = {Plane{base, lumaStride}, Plane{base + lumaBytes, chromaStride},
                                Plane{base + lumaBytes + chromaBytes, chromaStride}};
        state_->free.push_back(std::move(buffer));
    }
}

std::unique_ptr<FramePool::Buffer> FramePool::acquire()
{
    std::lock_guard lock(state_->mutex);
    if (state_->free.empty())
        return nullptr;
    auto buffer = std::move(state_->free.back());
    state_->free.pop_back();
    return buffer;
}

FramePtr FramePool::lend(std::unique_ptr<Buffer> buffer)
{
    const RawFrame* frame = &buffer->frame;
    // The deleter keeps the pool state alive, so frames may outlive the pool object.
    return FramePtr(frame, [state = state_, owned = buffer.release()](const RawFrame*) {
        std::lock_guard lock(state->mutex);
        state->free.emplace_back(owned);
    });
}

int FramePool::available() const
{
    std::lock_guard lock(state_->mutex);
    return static_cast<int>(state_->free.size());
}

} // namespace pistream
