// Writes the seed corpus in tests/fuzz/corpus from the real encoders, so the
// fuzzers start from valid messages and mutate them:
//     build-sanitize/tests/fuzz/pistream-fuzz-seeds tests/fuzz/corpus
// Run again after a protocol change, and commit the result.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <tuple>
#include <vector>

#include "codec/gzip_compressor.h"
#include "codec/jpeg_encoder.h"
#include "codec/jpeg_syntax.h"
#include "codec/parallel_jpeg_encoder.h"
#include "core/raw_frame.h"
#include "protocol/messages.h"

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

void write(const fs::path& directory, const std::string& name, const Bytes& bytes)
{
    fs::create_directories(directory);
    std::ofstream(directory / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
}

// A gzip member as the server makes it.
Bytes gzip(const Bytes& input, int level)
{
    pistream::GzipCompressor compressor(level, pistream::GzipStrategy::Default);
    pistream::ByteBuffer out;
    compressor.compress(input, out);
    return Bytes(out.data(), out.data() + out.size());
}

Bytes body(const Bytes& message)
{
    return {message.begin() + pistream::kLengthPrefixSize + 1, message.end()};
}

Bytes prefixed(std::uint8_t first, const Bytes& rest)
{
    Bytes bytes{first};
    bytes.insert(bytes.end(), rest.begin(), rest.end());
    return bytes;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: pistream-fuzz-seeds CORPUS_DIR\n";
        return 2;
    }
    const fs::path root = argv[1];
    using namespace pistream;

    // A small JPEG (a gradient, 4:2:0, 32x16) from the real encoder.
    const int width = 32, height = 16;
    Bytes y(width * height), u(width * height / 4), v(width * height / 4, 128);
    for (std::size_t i = 0; i < y.size(); ++i)
        y[i] = static_cast<std::uint8_t>(i * 7);
    for (std::size_t i = 0; i < u.size(); ++i)
        u[i] = static_cast<std::uint8_t>(64 + i);
    JpegEncoder encoder(80);
    ByteBuffer jpegBuffer;
    RawFrame raw;
    raw.width = width;
    raw.height = height;
    raw.planes = {Plane{y.data(), width}, Plane{u.data(), width / 2}, Plane{v.data(), width / 2}};
    encoder.encode(raw, jpegBuffer);
    const Bytes jpeg(jpegBuffer.data(), jpegBuffer.data() + jpegBuffer.size());

    Hello hello;
    hello.width = 640;
    hello.height = 480;
    hello.fpsNumerator = 30;
    FrameHeader header;
    header.sequence = 7;
    header.captureMicros = 123456;
    header.readyMicros = 130000;
    header.width = width;
    header.height = height;
    const auto frameMessage = [&](bool gzipped) {
        const Bytes payload = gzipped ? gzip(jpeg, 1) : jpeg;
        FrameHeader h = header;
        h.flags = gzipped ? kFrameFlagGzip : 0;
        h.jpegLength = static_cast<std::uint32_t>(jpeg.size());
        const auto head = encodeFrameHeader(h, payload.size());
        Bytes message(head.begin(), head.end());
        message.insert(message.end(), payload.begin(), payload.end());
        return message;
    };
    const Bytes messages[] = {
        encode(hello),
        frameMessage(false),
        frameMessage(true),
        encode(Ping{42}),
        encode(Pong{42, 99}),
        encode(Status{SourceState::Down, "camera unplugged"}),
        encode(Bye{ByeReason::ServerFull, "server full (16 viewers)"}),
        encode(Event{1, 3, 1764700000123, 0, 0.024, {0.25, 0.5, 0.125, 0.25}})};

    // The reader: a whole conversation, and each message alone (split byte 0x03).
    Bytes conversation;
    for (const auto& message : messages)
        conversation.insert(conversation.end(), message.begin(), message.end());
    write(root / "message_reader", "conversation", prefixed(3, conversation));
    for (std::size_t i = 0; i < std::size(messages); ++i)
        write(root / "message_reader", "message" + std::to_string(i), prefixed(5, messages[i]));

    // The decoders: selector byte (0 hello .. 5 frame, 6 event, 7 adapt), then the body.
    write(root / "decoders", "hello", prefixed(0, body(messages[0])));
    write(root / "decoders", "ping", prefixed(1, body(messages[3])));
    write(root / "decoders", "pong", prefixed(2, body(messages[4])));
    write(root / "decoders", "status", prefixed(3, body(messages[5])));
    write(root / "decoders", "bye", prefixed(4, body(messages[6])));
    write(root / "decoders", "frame", prefixed(5, body(messages[1])));
    write(root / "decoders", "frame-gzip", prefixed(5, body(messages[2])));
    write(root / "decoders", "event", prefixed(6, body(messages[7])));
    write(root / "decoders", "adapt", prefixed(7, Bytes{2}));

    // The inflater: 3 bytes of declared size, then the member.
    const auto sized = [](std::size_t size, const Bytes& member) {
        Bytes bytes{static_cast<std::uint8_t>(size >> 16), static_cast<std::uint8_t>(size >> 8),
                    static_cast<std::uint8_t>(size)};
        bytes.insert(bytes.end(), member.begin(), member.end());
        return bytes;
    };
    write(root / "inflate", "jpeg", sized(jpeg.size(), gzip(jpeg, 1)));
    write(root / "inflate", "zeros-9", sized(60000, gzip(Bytes(60000, 0), 9)));
    write(root / "inflate", "bomb",
          sized(1000, gzip(Bytes(1 << 20, 0), 9))); // says 1000, holds 1 MiB

    // The JPEG header check.
    write(root / "jpeg_header", "gradient", jpeg);
    Bytes huge = jpeg; // the same JPEG claiming 65535x65535 in its SOF0
    JpegHeader layout;
    if (readJpegHeader(jpeg, layout) != JpegSyntaxError::None)
        return 1;
    std::fill_n(huge.begin() + static_cast<long>(layout.sof) + 5, 4, 0xFF); // height, width
    write(root / "jpeg_header", "huge", huge);

    // JPEGs in strips joined by restart markers, as the server makes them: 64x64
    // in 2, 3 and 4 strips, and one in 4:2:0 with an odd size.
    for (const auto& [side, height, threads] :
         {std::tuple{64, 64, 2}, {64, 64, 3}, {64, 64, 4}, {33, 47, 2}}) {
        Bytes luma(static_cast<std::size_t>(side * height));
        Bytes chroma(static_cast<std::size_t>(chromaSize(side) * chromaSize(height)), 100);
        for (std::size_t i = 0; i < luma.size(); ++i)
            luma[i] = static_cast<std::uint8_t>(i * 13 + i / 64);
        RawFrame strip;
        strip.width = side;
        strip.height = height;
        strip.planes = {Plane{luma.data(), side}, Plane{chroma.data(), chromaSize(side)},
                        Plane{chroma.data(), chromaSize(side)}};
        ParallelJpegEncoder striped(80, threads);
        ByteBuffer out;
        striped.encode(strip, out);
        write(root / "jpeg_syntax",
              std::to_string(side) + "x" + std::to_string(height) + "-" + std::to_string(threads),
              Bytes(out.data(), out.data() + out.size()));
    }
    write(root / "jpeg_syntax", "no-restarts", jpeg);
    // The marker syntax a real encoder rarely writes: fill bytes before markers,
    // stuffing after them, restart markers back to back, a second scan.
    const std::size_t data = layout.data;
    const auto spliced = [&](std::size_t at, const Bytes& insert) {
        Bytes bytes = jpeg;
        bytes.insert(bytes.begin() + static_cast<long>(at), insert.begin(), insert.end());
        return bytes;
    };
    write(root / "jpeg_syntax", "fill-bytes", spliced(layout.sof, {0xFF, 0xFF}));
    write(root / "jpeg_syntax", "fill-and-stuffing", spliced(data + 1, {0xFF, 0xFF, 0x00}));
    write(root / "jpeg_syntax", "restarts", spliced(data, {0xFF, 0xD0, 0xFF, 0xFF, 0xD1}));
    Bytes twoScans(jpeg.begin(), jpeg.end() - 2); // a second scan: the first one's SOS again
    twoScans.insert(twoScans.end(), jpeg.begin() + static_cast<long>(layout.sos), jpeg.end());
    write(root / "jpeg_syntax", "two-scans", twoScans);
    std::cout << "seeds written under " << root.string() << "\n";
    return 0;
}
