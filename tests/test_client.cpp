#include <thread>

#include <doctest/doctest.h>

#include "codec/gzip_compressor.h"
#include "codec/jpeg_encoder.h"
#include "connection/stream_client.h"
#include "core/error.h"
#include "support/printers.h"
#include "support/scripted_server.h"
#include "support/test_images.h"

using namespace pistream;
using namespace pistream::test;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes helloMessage(std::uint8_t major = kVersionMajor)
{
    return encode(Hello{major, 0, Codec::Jpeg, 64, 48, 30, 1});
}

Bytes frameMessage(std::uint64_t sequence, const Bytes& jpeg, bool gzip, std::uint32_t declared = 0)
{
    FrameHeader header{sequence, 1, 2, 64, 48, 0, 0};
    Bytes payload = jpeg;
    if (gzip) {
        GzipCompressor compressor(6, GzipStrategy::Default);
        ByteBuffer packed;
        compressor.compress(jpeg, packed);
        payload.assign(packed.data(), packed.data() + packed.size());
        header.flags = kFrameFlagGzip;
    }
    header.jpegLength = declared ? declared : static_cast<std::uint32_t>(jpeg.size());
    const auto head = encodeFrameHeader(header, payload.size());
    return cat({Bytes(head.begin(), head.end()), payload});
}

struct Outcome {
    std::vector<ReceivedFrame> frames;
    std::vector<Bytes> jpegs;
    std::vector<Status> statuses;
    std::string closeReason;
    bool closedByServer = false;
    bool helloSeen = false;
};

Outcome runClient(std::uint16_t port,
                  std::chrono::milliseconds connectTimeout = std::chrono::seconds(3))
{
    asio::io_context io;
    Outcome outcome;
    ClientConfig config;
    config.server = {"127.0.0.1", port};
    config.connectTimeout = connectTimeout;
    StreamClient::Handlers handlers;
    handlers.onHello = [&](const Hello&) {
        outcome.helloSeen = true;
    };
    handlers.onFrame = [&](const ReceivedFrame& frame) {
        outcome.frames.push_back(frame);
        outcome.jpegs.emplace_back(frame.jpeg.begin(), frame.jpeg.end());
    };
    handlers.onStatus = [&](const Status& status) {
        outcome.statuses.push_back(status);
    };
    handlers.onClosed = [&](const std::string& reason, bool byServer) {
        outcome.closeReason = reason;
        outcome.closedByServer = byServer;
    };
    auto client = std::make_shared<StreamClient>(io, config, handlers);
    client->start();
    io.run_for(std::chrono::seconds(6));
    return outcome;
}

Bytes makeJpeg(int width, int height)
{
    JpegEncoder encoder(80);
    ByteBuffer out;
    encoder.encode(makePicture(width, height, 0).frame(), out);
    return Bytes(out.data(), out.data() + out.size());
}

const Bytes kJpeg = makeJpeg(64, 48); // what helloMessage() and frameMessage() declare

} // namespace

TEST_CASE("a good stream: gzipped and plain frames, unknown types skipped, status, bye")
{
    ScriptedServer server({cat({helloMessage(),
                                frameMessage(1, kJpeg, true),
                                {0, 0, 0, 2, 0x55, 9},
                                frameMessage(2, kJpeg, false),
                                encode(Status{SourceState::Down, "camera unplugged"}),
                                encode(Bye{ByeReason::ShuttingDown, "maintenance"})})});
    const auto outcome = runClient(server.port());
    CHECK(outcome.helloSeen);
    REQUIRE(outcome.frames.size() == 2);
    CHECK(outcome.jpegs[0] == kJpeg);
    CHECK(outcome.jpegs[1] == kJpeg);
    CHECK(outcome.frames[0].header.sequence == 1);
    CHECK(outcome.frames[1].header.flags == 0);
    REQUIRE(outcome.statuses.size() == 1);
    CHECK(outcome.statuses[0].text == "camera unplugged");
    CHECK(outcome.closedByServer);
    CHECK(outcome.closeReason == "server said bye: server shutting down (maintenance)");
}

TEST_CASE("hostile servers: the connection is closed with the reason, nothing crashes")
{
    struct Case {
        const char* name;
        Bytes script;
        const char* reason;
    };
    Bytes bomb;
    {
        // 64 MiB of zeros in a frame that declares a 1000-byte JPEG.
        const Bytes zeros(64u << 20, 0);
        GzipCompressor compressor(9, GzipStrategy::Default);
        ByteBuffer packed;
        compressor.compress(zeros, packed);
        FrameHeader header{1, 0, 0, 64, 48, kFrameFlagGzip, 1000};
        const auto head = encodeFrameHeader(header, packed.size());
        bomb = cat({helloMessage(), Bytes(head.begin(), head.end()),
                    Bytes(packed.data(), packed.data() + packed.size())});
    }
    const std::vector<Case> cases = {
        {"not pistream", cat({{0, 0, 0, 5, 1, 'H', 'T', 'T', 'P'}}), "not a pistream server"},
        {"frame before hello", frameMessage(1, kJpeg, false), "not allowed at this point"},
        {"newer major version", helloMessage(2), "unsupported protocol major version"},
        {"two hellos", cat({helloMessage(), helloMessage()}), "not allowed at this point"},
        {"length 0xFFFFFFFF", cat({helloMessage(), {0xFF, 0xFF, 0xFF, 0xFF}}), "over the cap"},
        {"length cap + 1", cat({helloMessage(), {0x00, 0x80, 0x00, 0x01}}), "over the cap"},
        {"length 0", cat({helloMessage(), {0, 0, 0, 0}}), "length 0"},
        {"gzip bomb", bomb, "inflates past the declared"},
        {"JPEG longer than the frame can be",
         cat({helloMessage(), frameMessage(1, kJpeg, true, 64 * 48 * 3 + 65537)}),
         "over the limit"},
        {"a JPEG claiming 60000x60000 in a 64x48 frame",
         cat({helloMessage(), frameMessage(1, claimingSize(kJpeg, 60000, 60000), false)}),
         "JPEG size differs"},
        {"a JPEG claiming 65535x65535 (over libjpeg's limit)",
         cat({helloMessage(), frameMessage(1, claimingSize(kJpeg, 65535, 65535), false)}),
         "not a readable JPEG"},
        {"a payload that is no JPEG",
         cat({helloMessage(), frameMessage(1, Bytes(500, 0x42), false)}), "not a readable JPEG"},
        {"plain payload shorter than declared",
         cat({helloMessage(), frameMessage(1, kJpeg, false, 100)}), "differs from the declared"},
        {"corrupt gzip",
         cat({helloMessage(),
              [] {
                  Bytes varied(3000);
                  for (std::size_t i = 0; i < varied.size(); ++i)
                      varied[i] = static_cast<std::uint8_t>(i * i % 251);
                  auto m = frameMessage(1, varied, true);
                  m[m.size() - 200] ^= 0xFF; // inside the deflate data
                  return m;
              }()}),
         "gzip"},
    };
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        ScriptedServer server({c.script});
        const auto outcome = runClient(server.port());
        CHECK_MESSAGE(outcome.closeReason.find(c.reason) != std::string::npos, outcome.closeReason);
        CHECK(outcome.frames.empty());
    }
}

TEST_CASE("a server that says nothing, and no server at all")
{
    {
        ScriptedServer server(std::vector<std::vector<std::uint8_t>>(1)); // one empty script
        const auto outcome = runClient(server.port(), std::chrono::milliseconds(300));
        CHECK(outcome.closeReason.find("no hello") != std::string::npos);
    }
    // A port nobody listens on: take one and let it go.
    std::uint16_t port = 0;
    {
        asio::io_context io;
        asio::ip::tcp::acceptor probe(
            io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = probe.local_endpoint().port();
    }
    const auto outcome = runClient(port);
    CHECK(outcome.closeReason.find("cannot connect") != std::string::npos);
}
