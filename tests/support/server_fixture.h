#pragma once

// A StreamServer on loopback for tests, and frames to publish through it.

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <thread>

#include <asio.hpp>

#include "codec/jpeg_encoder.h"
#include "core/encoded_frame.h"
#include "server/stream_server.h"
#include "support/test_images.h"
#include "support/wait_for.h"
#include "support/wire_peer.h"

namespace pistream::test {

inline std::atomic<int> liveFrames{0};

// A frame whose payload is `size` bytes; liveFrames counts those not yet freed.
// With a rung, it stands for that rung only (as the pipeline's encodings do);
// without, for every rung (as a passed-through JPEG does).
inline EncodedFramePtr makeFrame(std::uint64_t sequence, std::size_t size,
                                 std::optional<Rung> rung = std::nullopt)
{
    auto frame = std::shared_ptr<EncodedFrame>(new EncodedFrame, [](EncodedFrame* f) {
        --liveFrames;
        delete f;
    });
    ++liveFrames;
    frame->jpegStorage.resize(size);
    std::fill(frame->jpegStorage.data(), frame->jpegStorage.data() + size,
              static_cast<std::uint8_t>(sequence));
    frame->jpegStorage.data()[0] = 0xFF;
    frame->jpegStorage.data()[1] = 0xD8;
    frame->jpeg = frame->jpegStorage.span();
    frame->header.sequence = sequence;
    frame->header.captureMicros = 100 + static_cast<std::int64_t>(sequence);
    frame->header.width = 640;
    frame->header.height = 480;
    if (rung) {
        frame->header.rung = static_cast<std::uint8_t>(*rung);
        frame->covers = maskOf(*rung);
        if (halfSize(*rung)) {
            frame->header.width = 320;
            frame->header.height = 240;
        }
    }
    frame->seal(false);
    return frame;
}

// A frame holding a real 64x48 JPEG (what a viewer checks before decoding).
inline EncodedFramePtr makeJpegFrame(std::uint64_t sequence)
{
    static const ByteBuffer jpeg = [] {
        JpegEncoder encoder(80);
        ByteBuffer out;
        encoder.encode(makePicture(64, 48, 0).frame(), out);
        return out;
    }();
    auto frame = std::make_shared<EncodedFrame>();
    frame->jpeg = jpeg.span();
    frame->header.sequence = sequence;
    frame->header.captureMicros = 100 + static_cast<std::int64_t>(sequence);
    frame->header.width = 64;
    frame->header.height = 48;
    frame->seal(false);
    return frame;
}

// A StreamServer on loopback with its io_context on its own thread, fed
// through a FrameHub as the pipeline feeds it.
class ServerFixture {
public:
    explicit ServerFixture(StreamServerConfig config = {})
    {
        config.listen = {"127.0.0.1", 0};
        Hello hello;
        hello.width = 640;
        hello.height = 480;
        hello.fpsNumerator = 30;
        server_ = std::make_unique<StreamServer>(io_, hub_, config, hello);
        server_->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~ServerFixture() { stop(); }
    void stop()
    {
        if (!thread_.joinable())
            return;
        server_->stop();
        thread_.join();
    }
    StreamServer& server() { return *server_; }
    FrameHub& hub() { return hub_; }
    // Any thread, as the pipeline does.
    void publish(EncodedFramePtr frame) { hub_.publish(std::move(frame)); }
    asio::ip::tcp::endpoint endpoint() const { return server_->localEndpoint(); }
    WirePeer connect() { return WirePeer::connect(clientIo_, endpoint()); }
    StreamServerStats stats()
    {
        std::promise<StreamServerStats> result;
        asio::post(io_, [&] { result.set_value(server_->stats()); });
        return result.get_future().get();
    }
    // Waits until the server sees `count` viewers (the accept is asynchronous).
    bool waitViewers(int count)
    {
        return waitFor([&] { return stats().viewers == count; }, std::chrono::seconds(30),
                       std::chrono::milliseconds(5));
    }

private:
    asio::io_context io_;
    asio::io_context clientIo_;
    FrameHub hub_{io_};
    std::unique_ptr<StreamServer> server_;
    std::thread thread_;
};

} // namespace pistream::test
