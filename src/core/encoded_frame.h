#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/byte_buffer.h"
#include "core/raw_frame.h"
#include "core/rung.h"
#include "protocol/messages.h"

namespace pistream {

// One frame ready for the wire, shared read-only by every viewer: the frame
// message's header bytes are built once, and the payload (gzip member or the
// JPEG itself) goes out after them in one gather write, never copied per viewer.
struct EncodedFrame {
    FrameHeader header;
    std::array<std::uint8_t, kFrameWireHeaderSize> wireHeader{};

    ByteBuffer jpegStorage;                // the JPEG we encoded (empty for pass-through MJPEG)
    ByteBuffer gzipStorage;                // the gzip member, when the frame is gzipped
    FramePtr source;                       // keeps a lent pass-through JPEG alive
    std::span<const std::uint8_t> jpeg;    // the JPEG, wherever it lives
    std::span<const std::uint8_t> payload; // what follows wireHeader on the wire

    // The rungs this frame stands for: its own (header.rung), or every rung
    // when the source's JPEG is passed through and nothing smaller is made.
    RungMask covers = kAllRungs;

    double encodeMillis = 0; // JPEG encode time (0 for pass-through)
    double gzipMillis = 0;   // gzip time (0 when not compressed)

    // Sets header.jpegLength/flags, payload and wireHeader from jpeg and gzipStorage.
    void seal(bool gzipped);

    std::size_t wireSize() const { return wireHeader.size() + payload.size(); }
    Rung rung() const { return static_cast<Rung>(header.rung); }
    bool serves(Rung wanted) const { return (covers & maskOf(wanted)) != 0; }
};

using EncodedFramePtr = std::shared_ptr<const EncodedFrame>;

// Recycles EncodedFrame objects and their buffers, so the steady state allocates
// nothing per frame. Frames come back when the last viewer has sent them.
class EncodedFramePool {
public:
    explicit EncodedFramePool(std::size_t keep = 8);

    std::shared_ptr<EncodedFrame> acquire();

private:
    struct State {
        std::mutex mutex;
        std::vector<std::unique_ptr<EncodedFrame>> free;
        std::size_t keep;
    };
    std::shared_ptr<State> state_;
};

} // namespace pistream
