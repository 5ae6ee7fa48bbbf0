#include <cmath>

#include <doctest/doctest.h>

#include "core/error.h"
#include "protocol/byte_order.h"
#include "protocol/message_reader.h"
#include "support/printers.h"

using namespace pistream;

namespace {

using Bytes = std::vector<std::uint8_t>;

struct Parsed {
    std::uint8_t type;
    Bytes body;
    bool operator==(const Parsed&) const = default;
};

} // namespace

namespace doctest {
template <> struct StringMaker<std::vector<Parsed>> {
    static String convert(const std::vector<Parsed>& messages)
    {
        std::string text = std::to_string(messages.size()) + " messages:";
        for (const auto& m : messages)
            text += " type " + std::to_string(m.type) + " (" + std::to_string(m.body.size()) +
                    " bytes)";
        return text.c_str();
    }
};
} // namespace doctest

namespace {

// Feeds `stream` to a reader in chunks cut at the given offsets; collects messages.
std::vector<Parsed> readAll(const Bytes& stream, const std::vector<std::size_t>& cuts,
                            std::uint32_t cap, std::error_code* error = nullptr)
{
    MessageReader reader(cap);
    std::vector<Parsed> out;
    std::size_t from = 0;
    auto feedChunk = [&](std::size_t to) {
        std::span<const std::uint8_t> data(stream.data() + from, to - from);
        while (!data.empty()) {
            std::size_t used = 0;
            const auto result = reader.feed(data, used);
            data = data.subspan(used);
            if (result == MessageReader::Result::Error) {
                if (error)
                    *error = reader.error();
                return false;
            }
            if (result == MessageReader::Result::Message)
                out.push_back({reader.message().type,
                               Bytes(reader.message().body.begin(), reader.message().body.end())});
        }
        from = to;
        return true;
    };
    for (std::size_t cut : cuts)
        if (!feedChunk(cut))
            return out;
    feedChunk(stream.size());
    return out;
}

Bytes frameMessage(const FrameHeader& header, const Bytes& payload)
{
    const auto head = encodeFrameHeader(header, payload.size());
    Bytes out(head.begin(), head.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

Bytes sampleStream()
{
    Bytes stream;
    const auto add = [&](const Bytes& message) {
        stream.insert(stream.end(), message.begin(), message.end());
    };
    add(encode(Hello{1, 0, Codec::Jpeg, 640, 480, 30000, 1001, {}}));
    FrameHeader header{7, 1000, 2000, 640, 480, 0, 5};
    add(frameMessage(header, {0xFF, 0xD8, 1, 2, 3}));
    add(encode(Status{SourceState::Down, "camera stopped"}));
    add({0, 0, 0, 3, 0x7F, 0xAA, 0xBB}); // an unknown type: the reader passes it on
    add(encode(Pong{-5, 123456789}));
    add(encode(Bye{ByeReason::ShuttingDown, "bye"}));
    return stream;
}

} // namespace

TEST_CASE("big-endian helpers")
{
    std::uint8_t bytes[8];
    putBigEndian<std::uint32_t>(bytes, 0x01020304);
    CHECK(bytes[0] == 1);
    CHECK(bytes[3] == 4);
    CHECK(getBigEndian<std::uint32_t>(bytes) == 0x01020304);
    putBigEndian<std::int64_t>(bytes, -2);
    CHECK(getBigEndian<std::int64_t>(bytes) == -2);
}

TEST_CASE("every message survives encode, reader and decode")
{
    const auto messages = readAll(sampleStream(), {}, kDefaultMaxMessage);
    REQUIRE(messages.size() == 6);

    Hello hello;
    CHECK(messages[0].type == static_cast<std::uint8_t>(MessageType::Hello));
    REQUIRE_FALSE(decode(messages[0].body, hello));
    CHECK(hello.width == 640);
    CHECK(hello.height == 480);
    CHECK(hello.fpsNumerator == 30000);
    CHECK(hello.fpsDenominator == 1001);

    FrameHeader frame;
    std::span<const std::uint8_t> payload;
    REQUIRE_FALSE(decodeFrame(messages[1].body, FrameLimits{}, frame, payload));
    CHECK(frame.sequence == 7);
    CHECK(frame.captureMicros == 1000);
    CHECK(frame.readyMicros == 2000);
    CHECK(frame.jpegLength == 5);
    CHECK(Bytes(payload.begin(), payload.end()) == Bytes{0xFF, 0xD8, 1, 2, 3});

    Status status;
    REQUIRE_FALSE(decode(messages[2].body, status));
    CHECK(status.state == SourceState::Down);
    CHECK(status.text == "camera stopped");

    CHECK(messages[3].type == 0x7F);
    CHECK(messages[3].body == Bytes{0xAA, 0xBB});

    Pong pong;
    REQUIRE_FALSE(decode(messages[4].body, pong));
    CHECK(pong.viewerMicros == -5);
    CHECK(pong.serverMicros == 123456789);

    Bye bye;
    REQUIRE_FALSE(decode(messages[5].body, bye));
    CHECK(bye.reason == ByeReason::ShuttingDown);
    CHECK(bye.text == "bye");
}

TEST_CASE("the reader gives the same messages however the bytes are split")
{
    const Bytes stream = sampleStream();
    const auto whole = readAll(stream, {}, kDefaultMaxMessage);

    SUBCASE("byte by byte")
    {
        std::vector<std::size_t> cuts;
        for (std::size_t i = 1; i < stream.size(); ++i)
            cuts.push_back(i);
        CHECK(readAll(stream, cuts, kDefaultMaxMessage) == whole);
    }
    SUBCASE("cut once at every offset")
    {
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            CAPTURE(cut);
            CHECK(readAll(stream, {cut}, kDefaultMaxMessage) == whole);
        }
    }
    SUBCASE("cut twice at every pair of offsets in the first messages")
    {
        for (std::size_t a = 0; a < 60; ++a)
            for (std::size_t b = a; b < 80; ++b)
                REQUIRE(readAll(stream, {a, b}, kDefaultMaxMessage) == whole);
    }
}

TEST_CASE("lengths are checked before anything is allocated")
{
    std::error_code error;

    SUBCASE("zero length")
    {
        CHECK(readAll({0, 0, 0, 0, 1}, {}, 1024, &error).empty());
        CHECK(error == Errc::MessageEmpty);
    }
    SUBCASE("exactly the cap is accepted, cap + 1 is not")
    {
        Bytes atCap = {0, 0, 4, 0};
        atCap.resize(4 + 1024, 0x7F);
        CHECK(readAll(atCap, {}, 1024, &error).size() == 1);
        CHECK_FALSE(error);
        Bytes overCap = {0, 0, 4, 1, 0x7F};
        CHECK(readAll(overCap, {}, 1024, &error).empty());
        CHECK(error == Errc::MessageTooLarge);
    }
    SUBCASE("0xFFFFFFFF does not allocate 4 GiB")
    {
        MessageReader reader(kDefaultMaxMessage);
        const Bytes prefix = {0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3};
        std::size_t used = 0;
        CHECK(reader.feed(prefix, used) == MessageReader::Result::Error);
        CHECK(reader.error() == Errc::MessageTooLarge);
        CHECK(reader.bufferedBytes() == 0);
        // the error sticks: a broken stream cannot resynchronise
        CHECK(reader.feed(sampleStream(), used) == MessageReader::Result::Error);
        CHECK(used == 0);
    }
    SUBCASE("a truncated stream is simply incomplete")
    {
        const Bytes stream = sampleStream();
        const Bytes cut(stream.begin(), stream.begin() + 30); // the hello and 5 bytes more
        CHECK(readAll(cut, {}, kDefaultMaxMessage, &error).size() == 1);
        CHECK_FALSE(error);
    }
}

TEST_CASE("a 1.1 hello carries the server's name, and a 1.0 reader still reads it")
{
    Hello sent;
    sent.width = 640;
    sent.height = 480;
    sent.fpsNumerator = 30;
    sent.name = "Garden";
    CHECK(sent.versionMinor == kVersionMinor);
    Bytes body = encode(sent);
    body.erase(body.begin(), body.begin() + 5); // drop prefix and type
    REQUIRE(body.size() == 20 + 1 + 6);
    CHECK(body[20] == 6);
    Hello got;
    REQUIRE_FALSE(decode(body, got));
    CHECK(got.name == "Garden");
    CHECK(got.width == 640);

    // What a 1.0 reader looks at, the first 20 bytes, is a complete hello.
    Hello old;
    REQUIRE_FALSE(decode(std::span(body).first(20), old));
    CHECK(old.name.empty());
    CHECK(old.width == 640);

    // A 1.0 server sends no name; its extra bytes (if any) are not one.
    Bytes plain = encode(Hello{1, 0, Codec::Jpeg, 640, 480, 30, 1, "ignored"});
    plain.erase(plain.begin(), plain.begin() + 5);
    CHECK(plain.size() == 20);
    plain.insert(plain.end(), {3, 'a', 'b', 'c'});
    REQUIRE_FALSE(decode(plain, got));
    CHECK(got.name.empty());

    // A name cut short is a protocol error; a longer body after it is fine.
    CHECK(decode(std::span(body).first(24), got) == Errc::MessageTruncated);
    Bytes longer = body;
    longer.insert(longer.end(), {9, 9});
    REQUIRE_FALSE(decode(longer, got));
    CHECK(got.name == "Garden");

    // Names are capped at a length byte.
    sent.name = std::string(300, 'n');
    Bytes capped = encode(sent);
    capped.erase(capped.begin(), capped.begin() + 5);
    REQUIRE_FALSE(decode(capped, got));
    CHECK(got.name.size() == kMaxHelloName);
}

TEST_CASE("hello is checked: magic, version, size")
{
    Bytes body = encode(Hello{1, 0, Codec::Jpeg, 640, 480, 30, 1, {}});
    body.erase(body.begin(), body.begin() + 5); // drop prefix and type
    Hello hello;
    CHECK_FALSE(decode(body, hello));

    SUBCASE("bad magic")
    {
        auto bad = body;
        bad[0] = 'X';
        CHECK(decode(bad, hello) == Errc::BadMagic);
    }
    SUBCASE("another major version")
    {
        auto bad = body;
        bad[4] = 2;
        CHECK(decode(bad, hello) == Errc::UnsupportedVersion);
        // even when the rest of that version's hello would be different
        bad.resize(5);
        CHECK(decode(bad, hello) == Errc::UnsupportedVersion);
    }
    SUBCASE("a newer minor version with extra fields is accepted")
    {
        auto newer = body;
        newer[5] = 7;
        newer.insert(newer.end(), {1, 2, 3, 4});
        CHECK_FALSE(decode(newer, hello));
        CHECK(hello.versionMinor == 7);
    }
    SUBCASE("truncated")
    {
        CHECK(decode(std::span(body).first(10), hello) == Errc::MessageTruncated);
    }
    SUBCASE("zero size")
    {
        auto bad = body;
        bad[8] = bad[9] = 0;
        CHECK(decode(bad, hello) == Errc::BadDimensions);
    }
}

TEST_CASE("frame fields are checked against the limits")
{
    const Bytes jpeg = {0xFF, 0xD8, 0, 0, 0xFF, 0xD9};
    auto bodyOf = [](const FrameHeader& header, const Bytes& payload) {
        auto message = frameMessage(header, payload);
        return Bytes(message.begin() + 5, message.end());
    };
    FrameHeader header{1, 0, 0, 64, 48, 0, static_cast<std::uint32_t>(jpeg.size())};
    FrameHeader out;
    std::span<const std::uint8_t> payload;
    FrameLimits limits;
    limits.maxWidth = 1920;
    limits.maxHeight = 1080;

    CHECK_FALSE(decodeFrame(bodyOf(header, jpeg), limits, out, payload));

    auto with = [&](auto change) {
        FrameHeader h = header;
        change(h);
        return decodeFrame(bodyOf(h, jpeg), limits, out, payload);
    };
    CHECK(with([](FrameHeader& h) { h.width = 0; }) == Errc::BadDimensions);
    CHECK(with([](FrameHeader& h) { h.height = 1081; }) == Errc::BadDimensions);
    CHECK(with([](FrameHeader& h) { h.flags = 0x80; }) == Errc::BadFlags);
    CHECK(with([](FrameHeader& h) { h.jpegLength = 0; }) == Errc::JpegLengthZero);
    // plain payload must be exactly the declared JPEG length
    CHECK(with([](FrameHeader& h) { h.jpegLength = 7; }) == Errc::PayloadSizeMismatch);
    // over width*height*3 + slack, whatever the payload
    CHECK(with([](FrameHeader& h) {
              h.flags = kFrameFlagGzip;
              h.jpegLength = 64 * 48 * 3 + static_cast<std::uint32_t>(kJpegMarkerSlack) + 1;
          }) == Errc::JpegLengthTooLarge);
    CHECK(with([](FrameHeader& h) {
              h.flags = kFrameFlagGzip;
              h.jpegLength = 64 * 48 * 3;
          }) == std::error_code{});
    limits.maxJpegLength = 100;
    CHECK(with([](FrameHeader& h) {
              h.flags = kFrameFlagGzip;
              h.jpegLength = 101;
          }) == Errc::JpegLengthTooLarge);
    // truncated fields
    const Bytes body = bodyOf(header, jpeg);
    for (std::size_t size = 0; size < kFrameFieldsSize; ++size)
        CHECK(decodeFrame(std::span(body).first(size), limits, out, payload) ==
              Errc::MessageTruncated);
}

TEST_CASE("every message: longer bodies are a later minor version, shorter ones are errors")
{
    const auto bodyOf = [](const Bytes& message) {
        return Bytes(message.begin() + 5, message.end());
    };
    SUBCASE("HELLO: extra bytes, reserved byte, codec, unknown frame rate, too short")
    {
        const Bytes body = bodyOf(encode(Hello{1, 0, Codec::Jpeg, 640, 480, 30000, 1000, {}}));
        Hello hello;
        auto longer = body;
        longer[7] = 0xA5; // reserved: ignored
        longer.insert(longer.end(), 9, 0xEE);
        CHECK_FALSE(decode(longer, hello));
        CHECK(hello.width == 640);
        auto codec = body;
        codec[6] = 2;
        CHECK(decode(codec, hello) == Errc::UnsupportedCodec);
        CHECK(make_error_code(Errc::UnsupportedCodec).message().find("codec") != std::string::npos);
        // fps 0/0, 30/0, 0/1: the rate is unknown, the stream is fine.
        auto unknownRate = body;
        std::fill(unknownRate.begin() + 12, unknownRate.end(), 0);
        CHECK_FALSE(decode(unknownRate, hello));
        CHECK(hello.fpsDenominator == 0);
        // Shorter than magic and major version: not pistream, or cut short.
        for (std::size_t size = 0; size < 4; ++size)
            CHECK(decode(std::span(body).first(size), hello) == Errc::BadMagic);
        for (std::size_t size = 4; size < body.size(); ++size)
            CHECK(decode(std::span(body).first(size), hello) == Errc::MessageTruncated);
    }
    SUBCASE("PING and PONG: extra bytes ignored, fewer are errors")
    {
        Ping ping;
        Bytes body = bodyOf(encode(Ping{123456}));
        body.insert(body.end(), 4, 0);
        CHECK_FALSE(decode(body, ping));
        CHECK(ping.viewerMicros == 123456);
        for (std::size_t size = 0; size < 8; ++size)
            CHECK(decode(std::span(body).first(size), ping) == Errc::MessageTruncated);
        Pong pong;
        body = bodyOf(encode(Pong{1, -2}));
        body.insert(body.end(), 3, 0xFF);
        CHECK_FALSE(decode(body, pong));
        CHECK(pong.serverMicros == -2);
        for (std::size_t size = 0; size < 16; ++size)
            CHECK(decode(std::span(body).first(size), pong) == Errc::MessageTruncated);
    }
    SUBCASE("FRAME: the reserved byte is ignored, a header cut short is an error")
    {
        const Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xD9};
        Bytes body = bodyOf(frameMessage(FrameHeader{1, 0, 0, 8, 8, 0, 4}, jpeg));
        body[29] = 0x5A;
        FrameHeader header;
        std::span<const std::uint8_t> payload;
        CHECK_FALSE(decodeFrame(body, FrameLimits{}, header, payload));
        CHECK(payload.size() == 4);
        CHECK(decodeFrame(std::span(body).first(kFrameFieldsSize - 1), FrameLimits{}, header,
                          payload) == Errc::MessageTruncated);
    }
    SUBCASE("STATUS and BYE: empty text is fine, no state or reason is not, unknown ones are kept")
    {
        Status status;
        CHECK(decode(Bytes{}, status) == Errc::MessageTruncated);
        REQUIRE_FALSE(decode(Bytes{9}, status));
        CHECK(status.state == SourceState::Down); // unknown: shown as down
        CHECK(status.text.empty());
        Bye bye;
        CHECK(decode(Bytes{}, bye) == Errc::MessageTruncated);
        REQUIRE_FALSE(decode(Bytes{7, 'h', 'i'}, bye));
        CHECK(static_cast<int>(bye.reason) == 7);
        CHECK(bye.text == "hi");
    }
}

TEST_CASE("text fields are capped")
{
    Bytes body = {0};
    body.resize(1 + kMaxTextSize + 1, 'a');
    Status status;
    CHECK(decode(body, status) == Errc::BadText);
    body.resize(1 + kMaxTextSize);
    CHECK_FALSE(decode(body, status));
    // the encoder cuts long text rather than writing an invalid message
    const auto message = encode(Status{SourceState::Down, std::string(5000, 'x')});
    CHECK(message.size() == 4 + 1 + 1 + kMaxTextSize);
}

TEST_CASE("a peer's text arrives safe to log, draw and put in JSON")
{
    const auto decoded = [](const std::string& bytes) {
        Bytes body = {1}; // down
        body.insert(body.end(), bytes.begin(), bytes.end());
        Status status;
        REQUIRE_FALSE(decode(body, status));
        return status.text;
    };
    CHECK(decoded("camera 0: no frame for 2 s") == "camera 0: no frame for 2 s");
    CHECK(decoded("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb7") ==
          "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xb7"); // UTF-8 stays
    // Terminal escapes, newlines (forged log lines), NULs, C1 controls.
    CHECK(decoded(std::string("\x1b[2Jgone\nfake: line\r\0", 21)) ==
          "\\x1b[2Jgone\\x0afake: line\\x0d\\x00");
    CHECK(decoded("\xc2\x9b"
                  "31m") == "\\xc2\\x9b"
                            "31m");
    // Not UTF-8: stray continuation, overlong, surrogate, cut short, too high.
    CHECK(decoded("\x80") == "\\x80");
    CHECK(decoded("\xc0\xaf") == "\\xc0\\xaf");
    CHECK(decoded("\xed\xa0\x80") == "\\xed\\xa0\\x80");
    CHECK(decoded("ok\xe2\x82") == "ok\\xe2\\x82");
    CHECK(decoded("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
    // Escapes make text longer; it is cut at the cap, so it encodes unchanged.
    const std::string escaped = decoded(std::string(kMaxTextSize, '\x01'));
    CHECK(escaped.size() == kMaxTextSize);
    CHECK(escaped.substr(0, 8) == "\\x01\\x01");
    const auto again = encode(Status{SourceState::Down, escaped});
    Status status;
    REQUIRE_FALSE(decode(std::span(again).subspan(kLengthPrefixSize + 1), status));
    CHECK(status.text == escaped);
    CHECK(decoded(std::string(kMaxTextSize - 1, 'a') + "\x01").size() == kMaxTextSize - 1);
    Bye bye;
    REQUIRE_FALSE(decode(Bytes{3, 0x07, 'x'}, bye));
    CHECK(bye.text == "\\x07x");
}

TEST_CASE("the worked example in docs/protocol.md is what the code writes")
{
    const Bytes hello = encode(Hello{1, 0, Codec::Jpeg, 1280, 720, 30, 1, {}});
    CHECK(hello == Bytes{0x00, 0x00, 0x00, 0x15, 0x01, 0x50, 0x53, 0x54, 0x4D,
                         0x01, 0x00, 0x01, 0x00, 0x05, 0x00, 0x02, 0xD0, 0x00,
                         0x00, 0x00, 0x1E, 0x00, 0x00, 0x00, 0x01});
    const auto frame = encodeFrameHeader(
        FrameHeader{42, 1000000, 1003500, 1280, 720, kFrameFlagGzip, 51234}, 31022);
    CHECK(Bytes(frame.begin(), frame.end()) ==
          Bytes{0x00, 0x00, 0x79, 0x51, 0x02, 0,    0,    0,    0,    0,    0,    0,    0x2A,
                0,    0,    0,    0,    0,    0x0F, 0x42, 0x40, 0,    0,    0,    0,    0,
                0x0F, 0x4F, 0xEC, 0x05, 0x00, 0x02, 0xD0, 0x01, 0x00, 0x00, 0x00, 0xC8, 0x22});
    CHECK(encode(Ping{5000000}) == Bytes{0, 0, 0, 9, 0x03, 0, 0, 0, 0, 0, 0x4C, 0x4B, 0x40});
    const Bytes pong = encode(Pong{5000000, 7});
    CHECK(Bytes(pong.begin(), pong.begin() + 13) ==
          Bytes{0, 0, 0, 0x11, 0x04, 0, 0, 0, 0, 0, 0x4C, 0x4B, 0x40});
}

TEST_CASE("EVENT (1.1): fixed-point score and box, unknown kinds skippable, cut short is an error")
{
    const Bytes message = encode(Event{1, 3, 1764700000123, 0, 0.024, {0.25, 0.5, 0.125, 0.25}});
    // The worked example in docs/protocol.md.
    CHECK(message == Bytes{0x00, 0x00, 0x00, 0x25, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x01, 0x9A, 0xE0, 0x51, 0x0F,
                           0x7B, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF0,
                           0x40, 0x00, 0x80, 0x00, 0x20, 0x00, 0x40, 0x00});
    Bytes body(message.begin() + 5, message.end());
    REQUIRE(body.size() == kEventFieldsSize);
    Event event;
    REQUIRE_FALSE(decode(body, event));
    CHECK(event.known());
    CHECK(static_cast<EventChange>(event.change) == EventChange::Started);
    CHECK(event.id == 3);
    CHECK(event.startMs == 1764700000123);
    CHECK(event.endMs == 0);
    CHECK(event.score == doctest::Approx(0.024));
    CHECK(event.box[1] == doctest::Approx(0.5).epsilon(1e-4));

    // Longer: a later minor version; the reserved byte is ignored.
    auto longer = body;
    longer[1] = 0x77;
    longer.insert(longer.end(), 6, 0xAB);
    CHECK_FALSE(decode(longer, event));
    CHECK(event.id == 3);
    for (std::size_t size = 0; size < body.size(); ++size)
        CHECK(decode(std::span(body).first(size), event) == Errc::MessageTruncated);

    // A kind from a later version decodes but is not known: the viewer skips it.
    body[0] = 9;
    REQUIRE_FALSE(decode(body, event));
    CHECK_FALSE(event.known());
    // A confused server's out-of-range score is clamped; a sender clamps too.
    body[26] = 0xFF;
    body[27] = 0xFF;
    REQUIRE_FALSE(decode(body, event));
    CHECK(event.score == 1.0);
    Event wild{2, 1, 0, 0, std::nan(""), {-1, 2, 0.5, 0.5}};
    const Bytes wildMessage = encode(wild);
    REQUIRE_FALSE(decode(Bytes(wildMessage.begin() + 5, wildMessage.end()), event));
    CHECK(event.score == 0);
    CHECK(event.box[0] == 0);
    CHECK(event.box[1] == 1);
}

TEST_CASE("ADAPT (1.2): the worked example, unknown policies kept raw, an empty body is truncated")
{
    // docs/protocol.md: a viewer asking for full quality whatever its link.
    CHECK(encode(Adapt{static_cast<std::uint8_t>(AdaptPolicy::Quality)}) ==
          std::vector<std::uint8_t>{0, 0, 0, 6, 0x08, 1, 0, 0, 0, 0});
    Adapt adapt;
    CHECK(decode(std::vector<std::uint8_t>{}, adapt) == Errc::MessageTruncated);
    REQUIRE_FALSE(decode(std::vector<std::uint8_t>{2, 0, 1, 0, 1, 0xFF}, adapt)); // extra ignored
    CHECK(adapt.known() == AdaptPolicy::Framerate);
    REQUIRE_FALSE(decode(std::vector<std::uint8_t>{9}, adapt));
    CHECK(adapt.policy == 9);
    CHECK_FALSE(adapt.known()); // a later version's: the server keeps its default
    CHECK_FALSE(Adapt{kAdaptServerDefault}.known());
}

TEST_CASE("ADAPT (1.3): the shown size travels, and a 1.2 body or a cut one means no limit")
{
    // docs/protocol.md: a wall tile of 640x360, no policy of its own.
    const Adapt tile{kAdaptServerDefault, 640, 360};
    const auto message = encode(tile);
    CHECK(message == std::vector<std::uint8_t>{0, 0, 0, 6, 0x08, 0xFF, 0x02, 0x80, 0x01, 0x68});
    Adapt adapt;
    REQUIRE_FALSE(decode(std::span(message).subspan(5), adapt));
    CHECK(adapt.shownWidth == 640);
    CHECK(adapt.shownHeight == 360);
    REQUIRE_FALSE(decode(std::vector<std::uint8_t>{2}, adapt)); // a 1.2 viewer's
    CHECK(adapt.shownWidth == 0);
    CHECK(adapt.shownHeight == 0);
    REQUIRE_FALSE(decode(std::vector<std::uint8_t>{2, 0x02, 0x80, 0x01}, adapt)); // cut short
    CHECK(adapt.shownWidth == 0);
    CHECK(adapt.shownHeight == 0);
}

TEST_CASE("the size ceiling: half size only when it still covers what the viewer draws")
{
    CHECK(sizeCeiling(1280, 720, 640, 360) == Rung::Half);
    CHECK(sizeCeiling(1280, 720, 320, 180) == Rung::Half);
    CHECK(sizeCeiling(1280, 720, 641, 360) == Rung::Full);
    CHECK(sizeCeiling(1280, 720, 640, 361) == Rung::Full);
    CHECK(sizeCeiling(1281, 721, 640, 360) == Rung::Half); // half is rounded down
    CHECK(sizeCeiling(1280, 720, 0, 0) == Rung::Full);     // no limit
    CHECK(sizeCeiling(1280, 720, 640, 0) == Rung::Full);
    CHECK(sizeCeiling(1, 1, 1, 1) == Rung::Full); // nothing to halve
    CHECK(sizeCeiling(0, 0, 640, 360) == Rung::Full);
}

TEST_CASE("FRAME's rung byte (1.2) travels, and no value of it refuses a frame")
{
    FrameHeader header;
    header.width = 640;
    header.height = 360;
    header.jpegLength = 2;
    const std::vector<std::uint8_t> jpeg{0xFF, 0xD8};
    for (const std::uint8_t rung : std::array<std::uint8_t, 4>{0, 2, 3, 200}) {
        header.rung = rung;
        const auto head = encodeFrameHeader(header, jpeg.size());
        std::vector<std::uint8_t> body(head.begin() + kLengthPrefixSize + 1, head.end());
        body.insert(body.end(), jpeg.begin(), jpeg.end());
        FrameHeader decoded;
        std::span<const std::uint8_t> payload;
        REQUIRE_FALSE(decodeFrame(body, FrameLimits{}, decoded, payload));
        CHECK(decoded.rung == rung);
    }
    CHECK(rungName(2) == "half");
    CHECK(rungName(200) == "rung 200");
}
