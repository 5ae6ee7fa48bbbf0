// The browser side: the request parser's caps, and every endpoint of
// HttpServer over real sockets, including slow, oversized and many clients.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <regex>
#include <sys/resource.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <asio.hpp>
#include <doctest/doctest.h>

#include "codec/jpeg_decoder.h"
#include "codec/jpeg_encoder.h"
#include "core/clock.h"
#include "core/printable_text.h"
#include "http/byte_range.h"
#include "http/clip_replay.h"
#include "http/http_auth.h"
#include "http/http_host.h"
#include "http/http_page.h"
#include "http/http_request.h"
#include "http/http_response.h"
#include "http/http_router.h"
#include "http/http_server.h"
#include "media/mkv_reader.h"
#include "media/mkv_recorder.h"
#include "security/pairing_key.h"
#include "server_options.h"
#include "support/log_capture.h"
#include "support/test_images.h"
#include "support/wait_for.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

std::int64_t unixSeconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

HttpRequestParser::State parseAll(HttpRequestParser& parser, const std::string& text)
{
    return parser.feed({text.data(), text.size()});
}

// An HttpServer on its own io thread, fed frames through a FrameHub as the
// pipeline feeds it.
struct Fixture {
    asio::io_context io;
    FrameHub hub{io};
    HttpServerConfig config;
    std::unique_ptr<HttpServer> server;
    std::thread thread;
    std::vector<std::vector<std::uint8_t>> jpegs; // the frames' JPEGs, in publish order

    explicit Fixture(HttpServerConfig custom = {})
    {
        config = custom;
        config.listen = {"127.0.0.1", 0};
        server = std::make_unique<HttpServer>(io, hub, config, [] {
            return nlohmann::json{{"source", {{"description", "fake camera"}}}, {"width", 64}};
        });
        server->start();
        thread = std::thread([this] { io.run(); });
    }
    ~Fixture()
    {
        server->stop();
        io.stop();
        thread.join();
    }
    std::uint16_t port() const { return server->localEndpoint().port(); }

    // `aheadMicros`: a capture time that far in the future, so the frame
    // stays fresh for /snapshot.jpg however slowly the test runs.
    void publish(int seed, std::int64_t aheadMicros = 0)
    {
        auto frame = std::make_shared<EncodedFrame>();
        JpegEncoder encoder(80);
        encoder.encode(makePicture(64, 48, 0, seed).frame(), frame->jpegStorage);
        frame->jpeg = {frame->jpegStorage.data(), frame->jpegStorage.size()};
        frame->header.captureMicros = monotonicMicros() + aheadMicros;
        jpegs.emplace_back(frame->jpeg.begin(), frame->jpeg.end());
        hub.publish(frame);
    }
    // Runs `work` on the io thread and returns its result: whatever was posted
    // before (a frame, a source status) has been handled by then.
    template <typename Work> auto onIoThread(Work work)
    {
        std::packaged_task<decltype(work())()> task(std::move(work));
        auto result = task.get_future();
        asio::post(io, [&task] { task(); });
        return result.get();
    }
    // Returns once what was posted before has been handled on the io thread.
    void sync()
    {
        onIoThread([] { return 0; });
    }
    void setSourceStatus(SourceState state, const std::string& text)
    {
        hub.setSourceStatus(state, text);
        sync();
    }
};

struct Reply {
    std::string text;
    bool closed = false; // by the server, before the deadline
};

// Sends `request`, reads until the server closes, `enough` says so, or the
// (generous) deadline passes. `from`: the loopback address to connect from.
Reply exchange(std::uint16_t port, const std::string& request,
               const std::function<bool(const std::string&)>& enough = {},
               std::chrono::milliseconds limit = 10000ms, const char* from = nullptr)
{
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    if (from) {
        socket.open(asio::ip::tcp::v4());
        socket.bind({asio::ip::make_address(from), 0});
    }
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(socket, asio::buffer(request));
    Reply reply;
    std::array<char, 4096> buffer{};
    const auto until = std::chrono::steady_clock::now() + limit;
    socket.non_blocking(true);
    while (std::chrono::steady_clock::now() < until && !(enough && enough(reply.text))) {
        std::error_code error;
        const std::size_t n = socket.read_some(asio::buffer(buffer), error);
        if (error == asio::error::would_block) {
            socket.wait(asio::socket_base::wait_read, error); // no busy loop
            continue;
        }
        if (error) {
            reply.closed = error == asio::error::eof || error == asio::error::connection_reset;
            break;
        }
        reply.text.append(buffer.data(), n);
    }
    return reply;
}

// A request answered in full: everything until the server closes.
std::string roundTrip(std::uint16_t port, const std::string& request)
{
    return exchange(port, request).text;
}

std::string get(std::uint16_t port, const std::string& path, const std::string& method = "GET")
{
    return roundTrip(port, method + " " + path + " HTTP/1.1\r\nHost: raspberrypi.local\r\n\r\n");
}

int statusOf(const std::string& response)
{
    return response.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(response.substr(9, 3)) : 0;
}

std::string bodyOf(const std::string& response)
{
    const auto end = response.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : response.substr(end + 4);
}

// The JPEG parts of a multipart/x-mixed-replace body, by their Content-Length.
std::vector<std::string> partsOf(const std::string& body, const std::string& boundary)
{
    std::vector<std::string> parts;
    std::size_t at = 0;
    while ((at = body.find("--" + boundary + "\r\n", at)) != std::string::npos) {
        const auto headersEnd = body.find("\r\n\r\n", at);
        const auto lengthAt = body.find("Content-Length: ", at);
        if (headersEnd == std::string::npos || lengthAt == std::string::npos ||
            lengthAt > headersEnd)
            break;
        const auto length = std::stoul(body.substr(lengthAt + 16));
        if (headersEnd + 4 + length + 2 > body.size())
            break; // cut off mid-part
        parts.push_back(body.substr(headersEnd + 4, length));
        CHECK(body.substr(headersEnd + 4 + length, 2) == "\r\n");
        at = headersEnd + 4 + length;
    }
    return parts;
}

// The first `count` parts of /stream.mjpg, read until they are there (or the deadline).
std::vector<std::string> streamParts(std::uint16_t port, std::size_t count)
{
    const auto enough = [count](const std::string& text) {
        return partsOf(bodyOf(text), "pistreamframe").size() >= count;
    };
    const Reply reply = exchange(port, "GET /stream.mjpg HTTP/1.1\r\n\r\n", enough);
    CHECK(statusOf(reply.text) == 200);
    CHECK(reply.text.find("Content-Type: multipart/x-mixed-replace; boundary=pistreamframe\r\n") !=
          std::string::npos);
    return partsOf(bodyOf(reply.text), "pistreamframe");
}

// A browser that asks for /stream.mjpg and then never reads, with a small
// receive buffer so that its socket fills after a few parts.
asio::ip::tcp::socket stalledStream(asio::io_context& io, std::uint16_t port)
{
    asio::ip::tcp::socket socket(io);
    socket.open(asio::ip::tcp::v4());
    socket.set_option(asio::socket_base::receive_buffer_size(4096));
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    asio::write(socket, asio::buffer(std::string("GET /stream.mjpg HTTP/1.1\r\n\r\n")));
    return socket;
}

std::string base64(const std::string& text)
{
    std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

bool decodes(const std::string& jpeg)
{
    JpegDecoder decoder;
    YuvImage image;
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(jpeg.data()),
                                              jpeg.size());
    return !decoder.decode(bytes, 4096, 4096, image) && image.info.width == 64;
}

} // namespace

TEST_CASE("requests are parsed by http-parser within caps")
{
    HttpRequestParser parser;
    CHECK(
        parseAll(parser, "GET /stream.mjpg?x=1#y HTTP/1.1\r\nHost: pi\r\nUser-Agent: T\r\n\r\n") ==
        HttpRequestParser::State::Complete);
    CHECK(parser.request().method == "GET");
    CHECK(parser.request().path == "/stream.mjpg");
    CHECK(parser.request().header("user-agent") == "T");

    // Byte by byte, as a slow client sends it.
    HttpRequestParser slow;
    const std::string text = "HEAD /health HTTP/1.0\r\nX-Long-Header: abcdefgh\r\n\r\n";
    for (std::size_t i = 0; i + 1 < text.size(); ++i)
        REQUIRE(slow.feed({text.data() + i, 1}) == HttpRequestParser::State::NeedMore);
    CHECK(slow.feed({text.data() + text.size() - 1, 1}) == HttpRequestParser::State::Complete);
    CHECK(slow.request().method == "HEAD");
    CHECK(slow.request().header("x-long-header") == "abcdefgh");

    HttpRequestParser garbage;
    CHECK(parseAll(garbage, "\x16\x03\x01 hello\r\n\r\n") == HttpRequestParser::State::Failed);
    CHECK(garbage.errorStatus() == 400);

    HttpRequestParser body;
    CHECK(
        parseAll(body, "POST /login HTTP/1.1\r\nContent-Length: 20\r\n\r\nkey=AB%2dcd+ef&x=%zz") ==
        HttpRequestParser::State::Complete);
    CHECK(body.request().formField("key") == "AB-cd ef");
    CHECK(body.request().formField("x") == "%zz");
    CHECK(body.request().formField("nope").empty());

    HttpRequestParser tooMuch;
    CHECK(parseAll(tooMuch, "POST /login HTTP/1.1\r\nContent-Length: 2000\r\n\r\n") ==
          HttpRequestParser::State::Failed);
    CHECK(tooMuch.errorStatus() == 413);
    HttpRequestParser chunked;
    CHECK(parseAll(chunked, "POST /login HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") ==
          HttpRequestParser::State::Failed);
    CHECK(chunked.errorStatus() == 413);

    HttpRequestParser cookies;
    parseAll(cookies, "GET / HTTP/1.1\r\nCookie: a=1; pistream_session=123.abc;b=2\r\n\r\n");
    CHECK(cookies.request().cookies("pistream_session") == std::vector<std::string>{"123.abc"});
    CHECK(cookies.request().cookies("b") == std::vector<std::string>{"2"});
    CHECK(cookies.request().cookies("c").empty());

    HttpRequestParser big(256);
    CHECK(parseAll(big, "GET / HTTP/1.1\r\nCookie: " + std::string(300, 'a') + "\r\n\r\n") ==
          HttpRequestParser::State::Failed);
    CHECK(big.errorStatus() == 431);

    HttpRequestParser many;
    std::string headers = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 70; ++i)
        headers += "X-" + std::to_string(i) + ": 1\r\n";
    CHECK(parseAll(many, headers + "\r\n") == HttpRequestParser::State::Failed);
    CHECK(many.errorStatus() == 431);
}

TEST_CASE("/stream.mjpg sends the encoded JPEGs as complete multipart parts")
{
    Fixture fixture;
    std::atomic<bool> done{false};
    std::thread publisher([&] {
        for (int i = 0; !done && i < 3000; ++i) { // bounded: at most a minute
            fixture.publish(i % 5);
            std::this_thread::sleep_for(20ms);
        }
    });
    const auto parts = streamParts(fixture.port(), 3);
    done = true;
    publisher.join();
    CHECK(parts.size() >= 3);
    for (const std::string& part : parts) {
        CHECK(decodes(part));
        // Each part is a JPEG exactly as encoded: the server adds nothing.
        CHECK(std::any_of(fixture.jpegs.begin(), fixture.jpegs.end(), [&](const auto& jpeg) {
            return std::string(jpeg.begin(), jpeg.end()) == part;
        }));
    }
}

TEST_CASE("/snapshot.jpg waits for a frame, which makes the pipeline encode one")
{
    HttpServerConfig config;
    config.snapshotTimeout = 300ms;
    Fixture fixture(config);
    // Nothing published: after the timeout, 503.
    CHECK(statusOf(get(fixture.port(), "/snapshot.jpg")) == 503);
    CHECK_FALSE(fixture.hub.wanted());

    std::thread asker([&] {
        const std::string response = get(fixture.port(), "/snapshot.jpg");
        CHECK(statusOf(response) == 200);
        CHECK(response.find("Content-Type: image/jpeg\r\n") != std::string::npos);
        CHECK(decodes(bodyOf(response)));
    });
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!fixture.hub.wanted() && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
    CHECK(fixture.hub.wanted()); // a waiting snapshot asks for frames
    fixture.publish(1);
    asker.join();
    // A fresh frame is served at once, without waiting for the next.
    fixture.publish(2, 60'000'000);
    fixture.sync(); // the hub has it
    const std::string again = get(fixture.port(), "/snapshot.jpg");
    CHECK(bodyOf(again) == std::string(fixture.jpegs[1].begin(), fixture.jpegs[1].end()));
    CHECK(statusOf(get(fixture.port(), "/snapshot.jpg", "HEAD")) == 200);
    CHECK(bodyOf(get(fixture.port(), "/snapshot.jpg", "HEAD")).empty());
}

TEST_CASE("/api/status and /health and / answer, and the health follows the source")
{
    Fixture fixture;
    fixture.publish(0);
    const nlohmann::json status = nlohmann::json::parse(bodyOf(get(fixture.port(), "/api/status")));
    CHECK(status["source"]["description"] == "fake camera");
    CHECK(status["source"]["state"] == "live");
    CHECK(status["width"] == 64);
    CHECK(status["frameAgeMs"].is_number());
    CHECK(status["viewers"]["http"] == 0);
    CHECK(status["http"]["requests"].get<int>() >= 1);

    std::string health = get(fixture.port(), "/health");
    CHECK(statusOf(health) == 200);
    fixture.setSourceStatus(SourceState::Down, "no frame for 2000 ms from camera 0");
    health = get(fixture.port(), "/health");
    CHECK(statusOf(health) == 503);
    CHECK(bodyOf(health) == "source down: no frame for 2000 ms from camera 0\n");
    CHECK(nlohmann::json::parse(bodyOf(get(fixture.port(), "/api/status")))["source"]["state"] ==
          "down");
    fixture.setSourceStatus(SourceState::Live, "source is back");
    CHECK(statusOf(get(fixture.port(), "/health")) == 200);

    const std::string page = get(fixture.port(), "/");
    CHECK(statusOf(page) == 200);
    CHECK(page.find("Content-Type: text/html; charset=utf-8") != std::string::npos);
    CHECK(page.find("<img id=\"picture\" src=\"stream.mjpg\"") != std::string::npos);
}

TEST_CASE("bad, slow and oversized requests get their status and the connection closes")
{
    HttpServerConfig config;
    config.requestTimeout = 300ms;
    Fixture fixture(config);
    const std::string post = get(fixture.port(), "/", "POST");
    CHECK(statusOf(post) == 405);
    CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
    CHECK(statusOf(get(fixture.port(), "/etc/passwd")) == 404);
    CHECK(statusOf(get(fixture.port(), "/../../etc/passwd")) == 404);
    CHECK(statusOf(roundTrip(fixture.port(), "HELLO\r\n\r\n")) == 400);
    CHECK(statusOf(roundTrip(fixture.port(), "GET / HTTP/1.1\r\nX: " + std::string(20000, 'x') +
                                                 "\r\n\r\n")) == 431);
    // Half a request, then nothing: cut off after the server's deadline with
    // 408, and closed by the server, not by this test's own deadline.
    const Reply slow = exchange(fixture.port(), "GET / HTTP/1.1\r\nHost:");
    CHECK(statusOf(slow.text) == 408);
    CHECK(slow.closed);
    // The server is fine afterwards.
    CHECK(statusOf(get(fixture.port(), "/health")) == 200);
}

TEST_CASE("many browsers stream at once, and a stalled one skips frames without holding others")
{
    HttpServerConfig config;
    config.pacing.maxOutstandingBytes = 4096;
    config.stallTimeout = 120s; // the stalled browser stays, to be counted
    // 33 connections at once from one address: all admitted.
    config.guard.maxPending = config.guard.maxPendingPerAddress = 64;
    Fixture fixture(config);

    // A browser that never reads: its frames are skipped, not queued.
    asio::io_context io;
    auto stalled = stalledStream(io, fixture.port());

    std::atomic<bool> done{false};
    std::thread publisher([&] {
        for (int i = 0; !done && i < 12000; ++i) { // bounded: at most a minute
            fixture.publish(i % 7);
            std::this_thread::sleep_for(5ms);
        }
    });
    constexpr int kBrowsers = 32;
    std::vector<std::thread> browsers;
    std::atomic<int> happy{0};
    for (int i = 0; i < kBrowsers; ++i)
        browsers.emplace_back([&] {
            if (streamParts(fixture.port(), 3).size() >= 3)
                ++happy;
        });
    for (auto& browser : browsers)
        browser.join();
    CHECK(happy == kBrowsers);
    // Frames keep coming until the stalled browser's socket is full and it
    // skips them (no time is assumed: this waits for the count).
    const auto stats = [&] {
        return fixture.onIoThread([&] { return fixture.server->stats(); });
    };
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (stats().partsSkipped == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
    done = true;
    publisher.join();
    const HttpStats seen = stats();
    CHECK(seen.partsSkipped > 0); // the stalled browser's
    CHECK(seen.streaming >= 1);   // and it is still connected, not crashing anything
}

TEST_CASE("a browser that stops reading its stream is closed after the stall timeout")
{
    HttpServerConfig config;
    config.pacing.maxOutstandingBytes = 4096;
    config.stallTimeout = 300ms;
    Fixture fixture(config);
    asio::io_context io;
    auto stalled = stalledStream(io, fixture.port());
    const auto stats = [&] {
        return fixture.onIoThread([&] { return fixture.server->stats(); });
    };
    REQUIRE(waitFor([&] { return stats().streaming == 1; }, 30s, 1ms));

    // Frames keep coming; the browser takes none. Its frames are held back
    // (skipped), and once nothing has gone out for the stall timeout it is
    // closed: it no longer counts as a client, nor asks for frames.
    // (Each round trip to the io thread paces the frames; the count bounds
    // the test.)
    for (int i = 0; i < 100'000 && stats().clients != 0; ++i)
        fixture.publish(i % 3);
    CHECK(stats().clients == 0);
    const HttpStats seen = stats();
    CHECK(seen.partsSkipped > 0);
    CHECK(seen.streaming == 0);
    CHECK_FALSE(fixture.hub.wanted());
}

TEST_CASE("pairing keys: 160 random bits as dashed base32, typed loosely, compared exactly")
{
    const std::string key = generatePairingKey();
    CHECK(key.size() == 39); // 32 characters in 8 groups of 4
    CHECK(std::regex_match(key, std::regex("([A-Z2-7]{4}-){7}[A-Z2-7]{4}")));
    CHECK(generatePairingKey() != key);
    std::string typed = key;
    typed.erase(std::remove(typed.begin(), typed.end(), '-'), typed.end());
    std::transform(typed.begin(), typed.end(), typed.begin(), ::tolower);
    CHECK(pairingKeyMatches(key, typed));
    CHECK(pairingKeyMatches(key, " " + key.substr(0, 20) + " " + key.substr(20)));
    std::string wrong = key;
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    CHECK_FALSE(pairingKeyMatches(key, wrong));
    CHECK_FALSE(pairingKeyMatches(key, key.substr(0, 38)));
    CHECK_FALSE(pairingKeyMatches(key, ""));
    CHECK_FALSE(pairingKeyMatches("", ""));
    CHECK(normalizePairingKey("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567") ==
          "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    CHECK(
        normalizePairingKey("ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4561").empty()); // 1 is not base32

    TempDir dir;
    const auto path = dir.path() / "state" / "pistream" / "pairing.key";
    bool created = false;
    std::string warning;
    const std::string made = loadOrCreatePairingKey(path, created, warning);
    CHECK(created);
    CHECK(warning.empty());
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK(loadOrCreatePairingKey(path, created, warning) == made); // the same key next start
    CHECK_FALSE(created);
    // A bare file name: in the current directory, which exists already.
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir.path());
    CHECK_NOTHROW(loadOrCreatePairingKey("relative.key", created, warning));
    std::filesystem::current_path(cwd);
    CHECK(std::filesystem::exists(dir.path() / "relative.key"));
    writeFile(path, std::string("not a key\n"));
    CHECK_THROWS_WITH_AS(loadOrCreatePairingKey(path, created, warning),
                         doctest::Contains("does not hold a pairing key"), std::runtime_error);
}

TEST_CASE("pairing key files: Windows line ends, a BOM, wrong kinds of file, loose permissions")
{
    using std::filesystem::perms;
    TempDir dir;
    const std::string key = generatePairingKey();
    const auto path = dir.file("pairing.key");
    writeFile(path, key + "\n");
    std::filesystem::permissions(path, perms::owner_read | perms::owner_write);
    bool created = false;
    std::string warning;
    const auto load = [&](const std::filesystem::path& file) {
        return loadOrCreatePairingKey(file, created, warning);
    };

    SUBCASE("written on Windows: CR LF and a byte order mark are the same key")
    {
        // Nobody is told to delete it (which would disconnect every viewer).
        writeFile(path, key + "\r\n");
        CHECK(load(path) == key);
        CHECK_FALSE(created);
        CHECK(warning.empty());
        writeFile(path, "\xEF\xBB\xBF" + key + "\r\nsecond line\r\n");
        CHECK(load(path) == key);
        CHECK(readPairingKey(path) == key);
    }
    SUBCASE("readable by others: used, with one line of advice")
    {
        std::filesystem::permissions(path, perms::owner_read | perms::owner_write |
                                               perms::group_read | perms::others_read);
        CHECK(load(path) == key);
        CHECK(warning.find("mode 0644") != std::string::npos);
        CHECK(warning.find("chmod 600 " + path.string()) != std::string::npos);
    }
    SUBCASE("a FIFO is refused at once, even one that holds a key")
    {
        // Opening it must never hang the server's start.
        const auto fifo = dir.file("fifo.key");
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        const int writer = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
        REQUIRE(writer >= 0);
        const std::string line = key + "\n";
        REQUIRE(::write(writer, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
        CHECK_THROWS_WITH_AS(load(fifo), doctest::Contains("is not a regular file"),
                             std::runtime_error);
        CHECK_THROWS_WITH_AS(readPairingKey(fifo), doctest::Contains("is not a regular file"),
                             std::runtime_error);
        ::close(writer);
    }
    SUBCASE("a directory is called one, with no advice to delete it")
    {
        const auto directory = dir.file("keys");
        std::filesystem::create_directory(directory);
        try {
            load(directory);
            FAIL("a directory was taken for a key file");
        } catch (const std::runtime_error& error) {
            const std::string what = error.what();
            CHECK(what.find("is a directory") != std::string::npos);
            CHECK(what.find("delete it") == std::string::npos);
        }
    }
    SUBCASE("a dangling symbolic link is named as such, and nothing is made through it")
    {
        const auto link = dir.file("link.key");
        std::filesystem::create_symlink(dir.file("nowhere.key"), link);
        CHECK_THROWS_WITH_AS(load(link), doctest::Contains("is a symbolic link to"),
                             std::runtime_error);
        CHECK_THROWS_WITH_AS(readPairingKey(link), doctest::Contains("which does not exist"),
                             std::runtime_error);
        CHECK_FALSE(std::filesystem::exists(dir.file("nowhere.key")));
        // A link to a real key file is fine.
        std::filesystem::remove(link);
        std::filesystem::create_symlink(path, link);
        CHECK(load(link) == key);
    }
}

TEST_CASE("with a pairing key every page but /health asks for it, as HTTP Basic")
{
    HttpServerConfig config;
    config.pairingKey = generatePairingKey();
    Fixture fixture(config);
    fixture.publish(0);
    const auto withAuth = [&](const std::string& userAndPassword) {
        return roundTrip(fixture.port(), "GET /api/status HTTP/1.1\r\nAuthorization: Basic " +
                                             base64(userAndPassword) + "\r\n\r\n");
    };
    const std::string refused = get(fixture.port(), "/api/status");
    CHECK(statusOf(refused) == 401);
    CHECK(refused.find("WWW-Authenticate: Basic realm=\"pistream\"") != std::string::npos);
    CHECK(refused.find("\"source\"") == std::string::npos); // nothing leaks
    CHECK(statusOf(get(fixture.port(), "/stream.mjpg")) == 401);
    CHECK(statusOf(get(fixture.port(), "/snapshot.jpg")) == 401);
    CHECK(statusOf(get(fixture.port(), "/")) == 303); // people get the login form instead
    CHECK(statusOf(get(fixture.port(), "/health")) == 200);

    CHECK(statusOf(withAuth(":" + config.pairingKey)) == 200);
    CHECK(statusOf(withAuth("anyone:" + config.pairingKey)) == 200);
    CHECK(statusOf(withAuth(config.pairingKey + ":")) == 401); // the key is the password
    CHECK(statusOf(withAuth("anyone:AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")) == 401);
    CHECK(statusOf(roundTrip(fixture.port(),
                             "GET /api/status HTTP/1.1\r\nAuthorization: Basic !!!!\r\n\r\n")) ==
          401);
    CHECK(statusOf(roundTrip(fixture.port(), "GET /api/status HTTP/1.1\r\nAuthorization: Bearer " +
                                                 config.pairingKey + "\r\n\r\n")) == 401);
}

TEST_CASE("session tokens: valid until they expire, only under their key, not forgeable")
{
    const std::string key = generatePairingKey();
    const std::string token = makeSessionToken(key, 2'000'000'000);
    CHECK(sessionTokenValid(key, token, 1'900'000'000));
    CHECK_FALSE(sessionTokenValid(key, token, 2'000'000'000)); // expired
    CHECK_FALSE(sessionTokenValid(generatePairingKey(), token, 1'900'000'000));
    std::string later = token;
    later[0] = '3'; // a longer life, same MAC
    CHECK_FALSE(sessionTokenValid(key, later, 1'900'000'000));
    std::string tampered = token;
    tampered.back() = tampered.back() == '0' ? '1' : '0';
    CHECK_FALSE(sessionTokenValid(key, tampered, 1'900'000'000));
    for (const char* junk : {"", ".", "abc.def", "1.", "99999999999999999999.00", "12x.00"})
        CHECK_FALSE(sessionTokenValid(key, junk, 0));
}

TEST_CASE("people log in with a form and a cookie, and a wrong key gets the form again")
{
    HttpServerConfig config;
    config.pairingKey = generatePairingKey();
    Fixture fixture(config);
    const std::string page = get(fixture.port(), "/");
    CHECK(statusOf(page) == 303);
    CHECK(page.find("Location: login\r\n") != std::string::npos);
    const std::string form = get(fixture.port(), "/login");
    CHECK(statusOf(form) == 200);
    CHECK(form.find("<form method=\"post\" action=\"login\">") != std::string::npos);

    const auto post = [&](const std::string& body) {
        return roundTrip(fixture.port(), "POST /login HTTP/1.1\r\nContent-Type: "
                                         "application/x-www-form-urlencoded\r\nContent-Length: " +
                                             std::to_string(body.size()) + "\r\n\r\n" + body);
    };
    const std::string wrong = post("key=AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA");
    CHECK(statusOf(wrong) == 401);
    CHECK(wrong.find("not this camera's key") != std::string::npos);
    CHECK(wrong.find("Set-Cookie") == std::string::npos);

    // Typed in lower case, dashes percent-encoded, as a browser sends it.
    std::string typed;
    for (const char c : config.pairingKey)
        typed += c == '-' ? std::string("%2D") : std::string(1, static_cast<char>(std::tolower(c)));
    const std::string right = post("key=" + typed);
    CHECK(statusOf(right) == 303);
    const auto at = right.find("Set-Cookie: pistream_session=");
    REQUIRE(at != std::string::npos);
    CHECK(right.find("HttpOnly; SameSite=Strict", at) != std::string::npos);
    const auto start = at + 29;
    const std::string token = right.substr(start, right.find(';', start) - start);

    const auto withCookie = [&](const std::string& value) {
        return roundTrip(fixture.port(), "GET /api/status HTTP/1.1\r\nCookie: pistream_session=" +
                                             value + "\r\n\r\n");
    };
    CHECK(statusOf(withCookie(token)) == 200);
    CHECK(statusOf(withCookie(token.substr(0, token.size() - 1) + "x")) == 401);
    CHECK(statusOf(withCookie("")) == 401);
    CHECK(statusOf(roundTrip(fixture.port(),
                             "POST /api/status HTTP/1.1\r\nContent-Length: 0\r\n\r\n")) == 405);
}

namespace {

HttpRequest requestOf(const std::string& text)
{
    HttpRequestParser parser;
    REQUIRE(parseAll(parser, text) == HttpRequestParser::State::Complete);
    return parser.request();
}

HttpRequest getWith(const std::string& path, const std::string& headers = {})
{
    return requestOf("GET " + path + " HTTP/1.1\r\n" + headers + "\r\n");
}

HttpRequest loginWith(const std::string& body)
{
    return requestOf("POST /login HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n" + body);
}

std::string basicHeader(const std::string& userAndPassword)
{
    return "Authorization: Basic " + base64(userAndPassword) + "\r\n";
}

EncodedFramePtr frameCapturedAt(std::int64_t micros)
{
    auto frame = std::make_shared<EncodedFrame>();
    const std::array<std::uint8_t, 4> jpeg{0xFF, 0xD8, 0xFF, 0xD9};
    frame->jpegStorage.assign(jpeg);
    frame->jpeg = {frame->jpegStorage.data(), frame->jpegStorage.size()};
    frame->header.captureMicros = micros;
    return frame;
}

constexpr std::int64_t kNowUnix = 1'900'000'000;
constexpr std::int64_t kNowMicros = 100'000'000;

} // namespace

TEST_CASE("response heads: status line, reason, length only when known, close, no caching")
{
    const std::string head = responseHead(404, "text/plain", 12, "X-A: b\r\n");
    CHECK(head.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
    CHECK(head.find("Content-Type: text/plain\r\n") != std::string::npos);
    CHECK(head.find("Content-Length: 12\r\n") != std::string::npos);
    CHECK(head.find("Connection: close\r\nX-A: b\r\n\r\n") != std::string::npos);
    CHECK(head.find("Cache-Control: no-store\r\n") != std::string::npos);
    CHECK(responseHead(200, "x/y", std::string::npos).find("Content-Length") == std::string::npos);
    CHECK(std::string(reasonPhrase(431)) == "Request Header Fields Too Large");
    CHECK(std::string(reasonPhrase(599)) == "Error");
    const auto snapshot = snapshotResponse(frameCapturedAt(0), false);
    CHECK(snapshot.head().find("Content-Length: 4\r\n") != std::string::npos);
}

TEST_CASE("HttpAuth: a wrong key is told from none, and cookies are not guesses")
{
    const std::string key = generatePairingKey();
    const HttpAuth auth(key);
    CHECK_FALSE(auth.open());
    CHECK(auth.check(getWith("/"), kNowUnix) == KeyCheck::Missing);
    CHECK(auth.check(getWith("/", basicHeader("me:" + key)), kNowUnix) == KeyCheck::Passed);
    CHECK(auth.check(getWith("/", basicHeader("me:WRONG")), kNowUnix) == KeyCheck::WrongKey);
    CHECK(auth.check(getWith("/", basicHeader(key + ":")), kNowUnix) == KeyCheck::Missing);
    CHECK(auth.check(getWith("/", "Authorization: Bearer " + key + "\r\n"), kNowUnix) ==
          KeyCheck::Missing);

    // The cookie a login sets lets its browser in until it expires.
    const std::string setCookie = auth.sessionCookie(kNowUnix, false);
    CHECK(setCookie.find("HttpOnly; SameSite=Strict\r\n") != std::string::npos);
    CHECK(auth.sessionCookie(kNowUnix, true).find("; Secure\r\n") != std::string::npos);
    const auto start = setCookie.find('=') + 1;
    const std::string cookie =
        "Cookie: pistream_session=" + setCookie.substr(start, setCookie.find(';') - start) + "\r\n";
    CHECK(auth.check(getWith("/", cookie), kNowUnix + 3600) == KeyCheck::Session);
    CHECK(auth.check(getWith("/", cookie), kNowUnix + HttpAuth::kSessionSeconds) ==
          KeyCheck::Missing); // expired: log in again, not a wrong key

    CHECK(auth.checkLoginForm(loginWith("key=" + key)) == KeyCheck::Passed);
    CHECK(auth.checkLoginForm(loginWith("key=ABCD")) == KeyCheck::WrongKey);
    CHECK(auth.checkLoginForm(loginWith("key=")) == KeyCheck::Missing);
    CHECK(auth.checkLoginForm(loginWith("other=1")) == KeyCheck::Missing);

    const HttpAuth open("");
    CHECK(open.open());
    CHECK(open.check(getWith("/", basicHeader("me:WRONG")), kNowUnix) == KeyCheck::NotAsked);
    CHECK(open.checkLoginForm(loginWith("key=x")) == KeyCheck::NotAsked);
}

TEST_CASE("the router answers every page from the request and its context, with no socket")
{
    const HttpRouter router("");
    int statusCalls = 0;
    RouteContext context;
    context.source = {SourceState::Live, "test pattern"};
    context.nowMicros = kNowMicros;
    context.nowUnix = kNowUnix;
    context.status = [&statusCalls] {
        ++statusCalls;
        return nlohmann::json{{"width", 64}};
    };
    using Action = HttpResponse::Action;

    SUBCASE("/health follows the source, and asks for no key")
    {
        auto health = router.route(getWith("/health"), context);
        CHECK(health.status == 200);
        CHECK(health.body == "ok: test pattern\n");
        CHECK(health.key == KeyCheck::NotAsked);
        context.source = {SourceState::Down, "no frame for 2000 ms"};
        health = router.route(getWith("/health"), context);
        CHECK(health.status == 503);
        CHECK(health.body == "source down: no frame for 2000 ms\n");
    }
    SUBCASE("the page, the stream, the status")
    {
        const auto page = router.route(getWith("/"), context);
        CHECK(page.status == 200);
        CHECK(page.contentType == "text/html; charset=utf-8");
        CHECK(page.body.find("<img id=\"picture\" src=\"stream.mjpg\"") != std::string::npos);
        CHECK(router.route(getWith("/index.html"), context).body == page.body);
        CHECK(statusCalls == 0); // the status is made only when asked for

        CHECK(router.route(getWith("/stream.mjpg"), context).action == Action::StreamMjpeg);
        const auto head = router.route(requestOf("HEAD /stream.mjpg HTTP/1.1\r\n\r\n"), context);
        CHECK(head.action == Action::StreamMjpeg);
        CHECK(head.headOnly);

        const auto status = router.route(getWith("/api/status"), context);
        CHECK(status.contentType == "application/json");
        CHECK(nlohmann::json::parse(status.body)["width"] == 64);
        CHECK(statusCalls == 1);
    }
    SUBCASE("a snapshot is the newest frame when fresh, else a wait for the next")
    {
        CHECK(router.route(getWith("/snapshot.jpg"), context).action == Action::WaitForSnapshot);
        context.latest = frameCapturedAt(kNowMicros - HttpRouter::kFreshMicros);
        CHECK(router.route(getWith("/snapshot.jpg"), context).action == Action::WaitForSnapshot);
        context.latest = frameCapturedAt(kNowMicros - HttpRouter::kFreshMicros + 1);
        const auto fresh = router.route(getWith("/snapshot.jpg"), context);
        CHECK(fresh.action == Action::Send);
        CHECK(fresh.frame == context.latest);
        CHECK(fresh.contentType == "image/jpeg");
        CHECK(router.route(requestOf("HEAD /snapshot.jpg HTTP/1.0\r\n\r\n"), context).headOnly);
    }
    SUBCASE("other methods and paths")
    {
        const auto post = router.route(requestOf("POST / HTTP/1.1\r\n\r\n"), context);
        CHECK(post.status == 405);
        CHECK(post.headers == "Allow: GET, HEAD\r\n");
        CHECK(router.route(getWith("/../../etc/passwd"), context).status == 404);
        const auto login = router.route(loginWith("key=x"), context);
        CHECK(login.status == 303); // no key needed
        CHECK(login.key == KeyCheck::NotAsked);
    }
}

TEST_CASE("the router keeps every page but /health behind the key, and says how the key fared")
{
    const std::string key = generatePairingKey();
    const HttpRouter router(key);
    RouteContext context;
    context.nowUnix = kNowUnix;
    context.nowMicros = kNowMicros;
    context.latest = frameCapturedAt(kNowMicros);
    context.status = [] {
        return nlohmann::json{{"secret", 1}};
    };

    const auto tool = router.route(getWith("/api/status"), context);
    CHECK(tool.status == 401);
    CHECK(tool.key == KeyCheck::Missing);
    CHECK(tool.headers.find("WWW-Authenticate: Basic realm=\"pistream\"") != std::string::npos);
    CHECK(tool.body.find("secret") == std::string::npos);
    const auto person = router.route(getWith("/"), context);
    CHECK(person.status == 303);
    CHECK(person.headers == "Location: login\r\n");
    CHECK(router.route(getWith("/snapshot.jpg"), context).frame == nullptr);
    CHECK(router.route(getWith("/stream.mjpg"), context).action == HttpResponse::Action::Send);
    CHECK(router.route(getWith("/nope"), context).status == 401); // no map of pages either

    const auto wrong = router.route(getWith("/api/status", basicHeader(":WRONG")), context);
    CHECK(wrong.status == 401);
    CHECK(wrong.key == KeyCheck::WrongKey);
    const auto health = router.route(getWith("/health", basicHeader(":WRONG")), context);
    CHECK(health.status == 200);
    CHECK(health.key == KeyCheck::NotAsked);
    const auto right = router.route(getWith("/api/status", basicHeader(":" + key)), context);
    CHECK(right.status == 200);
    CHECK(right.key == KeyCheck::Passed);
    CHECK(router.route(getWith("/snapshot.jpg", basicHeader(":" + key)), context).frame ==
          context.latest);

    CHECK(router.route(getWith("/login"), context).status == 200);
    const auto badForm = router.route(loginWith("key=AAAA"), context);
    CHECK(badForm.status == 401);
    CHECK(badForm.key == KeyCheck::WrongKey);
    CHECK(badForm.body.find("not this camera's key") != std::string::npos);
    CHECK(router.route(loginWith("key="), context).key == KeyCheck::Missing);
    context.secure = true;
    const auto loggedIn = router.route(loginWith("key=" + key), context);
    CHECK(loggedIn.status == 303);
    CHECK(loggedIn.key == KeyCheck::Passed);
    CHECK(loggedIn.headers.find("Set-Cookie: pistream_session=") == 0);
    CHECK(loggedIn.headers.find("; Secure\r\nLocation: ./\r\n") != std::string::npos);
}

TEST_CASE("repeated wrong keys over HTTP slow that address's key attempts down, nothing else")
{
    HttpServerConfig config;
    config.pairingKey = generatePairingKey();
    config.guard.firstPenalty = 60s; // only the injected clock ends it
    auto skew = std::make_shared<std::atomic<std::int64_t>>(0);
    config.clock = [skew] {
        return std::chrono::steady_clock::now() + 1s * skew->load();
    };
    Fixture fixture(config);
    const auto withKey = [&](const std::string& key, const char* from = nullptr) {
        return exchange(fixture.port(),
                        "GET /api/status HTTP/1.1\r\n" + basicHeader(":" + key) + "\r\n", {},
                        10000ms, from);
    };
    const std::string wrongKey = "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA";
    const auto stats = [&] {
        return fixture.onIoThread([&] { return fixture.server->stats(); });
    };

    // Asking without a key is no attempt: never slowed down.
    for (int i = 0; i < config.guard.freeFailures + 3; ++i)
        CHECK(statusOf(get(fixture.port(), "/api/status")) == 401);
    // Wrong keys are: after freeFailures of them the address must wait.
    for (int i = 0; i < config.guard.freeFailures; ++i)
        CHECK(statusOf(withKey(wrongKey).text) == 401);
    // Any key from there, even the right one, is not even checked until the wait is over.
    const Reply slowed = withKey(config.pairingKey);
    CHECK(statusOf(slowed.text) == 429);
    CHECK(slowed.text.find("Retry-After: 60\r\n") != std::string::npos);
    CHECK(statusOf(roundTrip(fixture.port(), "POST /login HTTP/1.1\r\nContent-Length: " +
                                                 std::to_string(4 + config.pairingKey.size()) +
                                                 "\r\n\r\nkey=" + config.pairingKey)) == 429);
    // What offers no key is served as before: the health check (a monitor, a
    // proxy in front of many people) and a browser logged in with its cookie.
    CHECK(statusOf(get(fixture.port(), "/health")) == 200);
    const std::string setCookie = HttpAuth(config.pairingKey).sessionCookie(unixSeconds(), false);
    const auto start = setCookie.find('=') + 1;
    const std::string cookie = setCookie.substr(start, setCookie.find(';') - start);
    CHECK(statusOf(roundTrip(fixture.port(), "GET /api/status HTTP/1.1\r\nCookie: "
                                             "pistream_session=" +
                                                 cookie + "\r\n\r\n")) == 200);
    // Another address is not slowed down.
    CHECK(statusOf(withKey(config.pairingKey, "127.0.0.9").text) == 200);
    CHECK(stats().turnedAway == 0); // nobody was refused at the door

    // Once the wait is over the right key gets in, and clears the slate.
    skew->store(61);
    CHECK(statusOf(withKey(config.pairingKey).text) == 200);
    CHECK(statusOf(withKey(wrongKey).text) == 401);
    CHECK(statusOf(withKey(config.pairingKey).text) == 200);
}

TEST_CASE("one address cannot hold every HTTP connection with requests it never finishes")
{
    HttpServerConfig config;
    config.guard.maxPendingPerAddress = 2;
    config.requestTimeout = 60s; // the silent ones stay pending throughout
    Fixture fixture(config);
    const auto stats = [&] {
        return fixture.onIoThread([&] { return fixture.server->stats(); });
    };
    asio::io_context io;
    std::vector<asio::ip::tcp::socket> silent;
    for (int i = 0; i < 3; ++i) {
        auto& socket = silent.emplace_back(io);
        socket.open(asio::ip::tcp::v4());
        socket.bind({asio::ip::make_address("127.0.0.66"), 0});
        socket.connect({asio::ip::make_address("127.0.0.1"), fixture.port()});
    }
    // The third is closed at once; the owner's requests still get in.
    CHECK(waitFor([&] { return stats().turnedAway == 1; }, 10s));
    CHECK(statusOf(get(fixture.port(), "/health")) == 200);
    std::array<char, 16> byte{};
    std::error_code error;
    silent[2].read_some(asio::buffer(byte), error);
    CHECK((error == asio::error::eof || error == asio::error::connection_reset));
    // The health check's connection leaves the count once the server has
    // finished with it, which may be after our read saw the end.
    CHECK(waitFor([&] { return stats().clients == 2; }, 10s));
}

TEST_CASE("floods of refused connections and wrong keys write a bounded number of log lines")
{
    LogCapture capture;
    HttpServerConfig config;
    config.pairingKey = generatePairingKey();
    config.maxClients = 1;
    config.guard.freeFailures = 1000; // no back-off: every key is checked and wrong
    config.requestTimeout = 60s;
    Fixture fixture(config);
    constexpr int kFlood = 200;

    // Wrong keys, as HTTP Basic passwords and in the login form.
    const std::string wrongKey = "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA";
    for (int i = 0; i < kFlood; ++i) {
        CHECK(statusOf(roundTrip(fixture.port(), "GET /api/status HTTP/1.1\r\n" +
                                                     basicHeader(":" + wrongKey) + "\r\n")) == 401);
        CHECK(statusOf(roundTrip(fixture.port(), "POST /login HTTP/1.1\r\nContent-Length: " +
                                                     std::to_string(4 + wrongKey.size()) +
                                                     "\r\n\r\nkey=" + wrongKey)) == 401);
    }
    // One browser holds the only client slot: everyone else is refused at once.
    asio::io_context io;
    asio::ip::tcp::socket holder(io);
    holder.connect({asio::ip::make_address("127.0.0.1"), fixture.port()});
    CHECK(waitFor(
        [&] { return fixture.onIoThread([&] { return fixture.server->stats(); }).clients == 1; },
        10s));
    for (int i = 0; i < kFlood; ++i)
        CHECK(statusOf(get(fixture.port(), "/health")) == 503);

    // The first few of each in full (LogLimits::burst), the rest counted.
    const int burst = config.log.burst;
    CHECK(capture.count("wrong pairing key from 127.0.0.1") == burst);
    CHECK(capture.count("clients, refusing one from 127.0.0.1") == burst);
    // Stopping writes what was only counted (on the io thread, which then ends).
    fixture.server->stop();
    const std::string wrongKeys = "http: " + std::to_string(2 * kFlood - burst) +
                                  " more wrong pairing keys from 127.0.0.1 in the last";
    const std::string refused =
        "http: " + std::to_string(kFlood - burst) + " more connections from 127.0.0.1 refused";
    CHECK(
        waitFor([&] { return capture.count(wrongKeys) == 1 && capture.count(refused) == 1; }, 10s));
    CHECK(capture.lines().size() <= 2 * static_cast<std::size_t>(burst) + 2);
}

TEST_CASE("HttpHostCheck: IP literals, localhost, .local, the host name and configured names")
{
    const HttpHostCheck hosts({"Camera.Example.ORG", "garden"});
    for (const char* host :
         {"", "192.168.1.20", "192.168.1.20:8080", "[fe80::1]", "[::1]:8080", "[2001:db8::7]",
          "localhost", "LOCALHOST:8080", "raspberrypi.local", "raspberrypi.local.:80",
          "any.thing.local", "camera.example.org", "camera.example.org.", "garden:8080"})
        CHECK_MESSAGE(hosts.allowed(host), host);
    for (const char* host :
         {"evil.example", "evil.example:8080", "192.168.1.20.evil.example", "local", ".local",
          "camera.example.org.evil", "192.168.1.20:http", "192.168.1.20:123456", "[fe80::1",
          "[fe80::1]x", "[evil.example]", "fe80::1", "gard en", "garden:", "127.1",
          "localhost.evil.example", "1.2.3.4@evil.example"})
        CHECK_MESSAGE(!hosts.allowed(host), host);
    // This machine's own name is among the names the server answers to.
    const auto own = ownHostNames();
    REQUIRE_FALSE(own.empty());
    CHECK(HttpHostCheck(own).allowed(own[0]));
}

TEST_CASE("the router answers 421 to a Host it does not know, before the key or the page")
{
    const HttpRouter open("", HttpHostCheck({"camera.example.org"}));
    RouteContext context;
    context.source = {SourceState::Live, "fake"};
    CHECK(open.route(getWith("/health", "Host: 192.168.1.20:8080\r\n"), context).status == 200);
    CHECK(open.route(getWith("/health", "Host: camera.example.org\r\n"), context).status == 200);
    const auto rebound = open.route(getWith("/api/status", "Host: evil.example\r\n"), context);
    CHECK(rebound.status == 421);
    CHECK(rebound.body.find("DNS rebinding") != std::string::npos);
    CHECK(
        open.route(getWith("/health", "Host: a.local\r\nHost: evil.example\r\n"), context).status ==
        400);
    CHECK(std::string(reasonPhrase(421)) == "Misdirected Request");
}

TEST_CASE("over a socket, --insecure pages are not served to another site's name")
{
    HttpServerConfig config;
    config.hostNames = {"camera.example.org"};
    Fixture fixture(config);
    const auto withHost = [&](const std::string& host) {
        return statusOf(
            roundTrip(fixture.port(), "GET /snapshot.jpg HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
    };
    fixture.publish(1, 3'600'000'000);
    CHECK(withHost("evil.example") == 421);
    CHECK(withHost("evil.example:" + std::to_string(fixture.port())) == 421);
    CHECK(withHost("127.0.0.1:" + std::to_string(fixture.port())) == 200);
    CHECK(withHost("camera.example.org") == 200);
    CHECK(withHost(ownHostNames().at(0)) == 200);
}

TEST_CASE("--http-host is repeatable, on the command line and as a list in the config file")
{
    const std::string file = "/tmp/pistream-test-http-host-" + std::to_string(::getpid()) + ".toml";
    {
        std::ofstream out(file);
        out << "http-host = [\"a.example\", \"b.example\"]\n";
    }
    ServerOptions fromFile;
    const char* withFile[] = {"pistream-server", "--config", file.c_str()};
    CHECK_FALSE(parseServerOptions(3, withFile, fromFile));
    CHECK(fromFile.http.hostNames == std::vector<std::string>{"a.example", "b.example"});
    ServerOptions fromFlags;
    const char* withFlags[] = {"pistream-server", "--http-host", "a.example", "--http-host",
                               "c.example"};
    CHECK_FALSE(parseServerOptions(5, withFlags, fromFlags));
    CHECK(fromFlags.http.hostNames == std::vector<std::string>{"a.example", "c.example"});
    std::remove(file.c_str());
}

TEST_CASE(
    "HTTP versions other than 1.0 and 1.1, folded headers and unknown expectations are refused")
{
    const auto statusFor = [](const std::string& text) {
        HttpRequestParser parser;
        const auto state = parseAll(parser, text);
        return state == HttpRequestParser::State::Failed     ? parser.errorStatus()
               : state == HttpRequestParser::State::Complete ? 200
                                                             : 0;
    };
    CHECK(statusFor("GET / HTTP/1.1\r\nHost: a.local\r\n\r\n") == 200);
    CHECK(statusFor("GET / HTTP/1.0\r\n\r\n") == 200);
    CHECK(statusFor("GET / HTTP/9.9\r\nHost: a.local\r\n\r\n") == 505);
    CHECK(statusFor("GET / HTTP/2.0\r\n\r\n") == 505);
    CHECK(statusFor("GET / HTTP/1.2\r\n\r\n") == 505);
    // Obsolete line folding (RFC 9112 5.2), wherever the read splits it.
    const std::string folded = "GET / HTTP/1.1\r\nHost: a.local\r\nX-A: one\r\n two\r\n\r\n";
    CHECK(statusFor(folded) == 400);
    CHECK(statusFor("GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n") == 400);
    CHECK(statusFor("GET / HTTP/1.1\r\n Host: a.local\r\n\r\n") == 400);
    CHECK(statusFor("\r\n\r\nGET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n") != 200);
    for (std::size_t split = 1; split < folded.size(); ++split) {
        HttpRequestParser parser;
        parseAll(parser, folded.substr(0, split));
        CHECK(parseAll(parser, folded.substr(split)) == HttpRequestParser::State::Failed);
        CHECK(parser.errorStatus() == 400);
    }
    // A body with spaces after line breaks is no header.
    CHECK(statusFor("POST /login HTTP/1.1\r\nContent-Length: 6\r\n\r\n\r\n a\tb") == 200);
    // Expectations: only 100-continue, answered once the headers are in.
    CHECK(statusFor("POST /login HTTP/1.1\r\nExpect: fancy\r\nContent-Length: 4\r\n\r\n") == 417);
    HttpRequestParser expecting;
    CHECK(parseAll(expecting, "POST /login HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: "
                              "4\r\n\r\n") == HttpRequestParser::State::NeedMore);
    CHECK(expecting.continueDue());
    CHECK_FALSE(expecting.continueDue()); // once
    CHECK(parseAll(expecting, "key=") == HttpRequestParser::State::Complete);
    HttpRequestParser old;
    parseAll(old, "POST /login HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    CHECK_FALSE(old.continueDue()); // never to HTTP/1.0
}

TEST_CASE(
    "Expect: 100-continue is answered at once, and a body too large is refused before it is sent")
{
    HttpServerConfig config;
    config.pairingKey = generatePairingKey();
    config.requestTimeout = 60s; // only the answer can end the wait
    Fixture fixture(config);
    const auto seen = [](const std::string& what) {
        return [what](const std::string& text) {
            return text.find(what) != std::string::npos;
        };
    };
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), fixture.port()});
    const std::string body = "key=" + config.pairingKey;
    asio::write(socket, asio::buffer("POST /login HTTP/1.1\r\nHost: pi.local\r\nExpect: "
                                     "100-continue\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n"));
    std::string received;
    std::array<char, 1024> buffer{};
    while (received.find("\r\n\r\n") == std::string::npos) {
        std::error_code error;
        const std::size_t n = socket.read_some(asio::buffer(buffer), error);
        REQUIRE_FALSE(error);
        received.append(buffer.data(), n);
    }
    CHECK(received == "HTTP/1.1 100 Continue\r\n\r\n");
    asio::write(socket, asio::buffer(body));
    std::error_code error;
    while (!error) {
        const std::size_t n = socket.read_some(asio::buffer(buffer), error);
        received.append(buffer.data(), n);
    }
    CHECK(received.find("HTTP/1.1 303 See Other\r\n") != std::string::npos);
    CHECK(received.find("Set-Cookie: pistream_session=") != std::string::npos);

    const Reply tooLarge =
        exchange(fixture.port(),
                 "POST /login HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 10485760\r\n\r\n",
                 seen("\r\n\r\n"));
    CHECK(statusOf(tooLarge.text) == 413);
    CHECK(tooLarge.text.find("100 Continue") == std::string::npos);
}

TEST_CASE("a 10 MB POST gets its 413 and a clean end, not a reset with the answer unread")
{
    Fixture fixture;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), fixture.port()});
    // The browser sends its whole upload whatever the server says, as browsers do.
    const std::string upload =
        "POST /login HTTP/1.1\r\nHost: pi.local\r\nContent-Length: 10485760\r\n\r\n" +
        std::string(10485760, 'x');
    auto sender = std::async(std::launch::async, [&] {
        std::error_code error;
        asio::write(socket, asio::buffer(upload), error);
        return error;
    });
    std::string received;
    std::array<char, 4096> buffer{};
    std::error_code error;
    while (!error) {
        const std::size_t n = socket.read_some(asio::buffer(buffer), error);
        received.append(buffer.data(), n);
    }
    CHECK(statusOf(received) == 413);
    CHECK(received.find("not accepted\n") != std::string::npos);
    // The server read (and dropped) the rest: the upload went through and
    // the connection ended with FIN, not RST.
    CHECK(error == asio::error::eof);
    CHECK_FALSE(sender.get());
}

TEST_CASE("every response forbids framing, sniffing and referrers, and the pages' CSP fits them")
{
    const std::string head = responseHead(200, "text/html", 10);
    CHECK(head.find("X-Frame-Options: DENY\r\n") != std::string::npos);
    CHECK(head.find("X-Content-Type-Options: nosniff\r\n") != std::string::npos);
    CHECK(head.find("Referrer-Policy: no-referrer\r\n") != std::string::npos);
    const std::string policy = contentSecurityPolicy();
    CHECK(head.find("Content-Security-Policy: " + policy + "\r\n") != std::string::npos);
    for (const char* part : {"default-src 'none'", "img-src 'self'", "connect-src 'self'",
                             "form-action 'self'", "frame-ancestors 'none'"})
        CHECK_MESSAGE(policy.find(part) != std::string::npos, part);
    CHECK(policy.find("unsafe-inline") == std::string::npos);
    // The live page's own script is allowed by its hash, and only it.
    const std::string_view page = indexPage();
    const auto start = page.find("<script>") + 8;
    const std::string script(page.substr(start, page.find("</script>") - start));
    std::array<unsigned char, 32> digest{};
    unsigned int size = 0;
    EVP_Digest(script.data(), script.size(), digest.data(), &size, EVP_sha256(), nullptr);
    CHECK(policy.find("script-src 'sha256-" + base64(std::string(digest.begin(), digest.end())) +
                      "';") != std::string::npos);
    // Served that way.
    Fixture fixture;
    CHECK(get(fixture.port(), "/health").find("X-Frame-Options: DENY\r\n") != std::string::npos);
}

TEST_CASE("any valid session cookie among several lets the browser in")
{
    const std::string key = generatePairingKey();
    const HttpAuth auth(key);
    const std::string valid = makeSessionToken(key, kNowUnix + 3600);
    const std::string stale = makeSessionToken(key, kNowUnix - 1);
    const std::string foreign = makeSessionToken(generatePairingKey(), kNowUnix + 3600);
    CHECK(auth.check(getWith("/", "Cookie: pistream_session=" + stale + "; pistream_session=" +
                                      foreign + "; pistream_session=" + valid + "\r\n"),
                     kNowUnix) == KeyCheck::Session);
    CHECK(auth.check(getWith("/", "Cookie: pistream_session=" + stale +
                                      "\r\nCookie: pistream_session=" + valid + "\r\n"),
                     kNowUnix) == KeyCheck::Session);
    CHECK(auth.check(getWith("/", "Cookie: pistream_session=" + stale +
                                      "; pistream_session=" + foreign + "\r\n"),
                     kNowUnix) == KeyCheck::Missing);
}

TEST_CASE("HTTPS on TLS 1.2 offers only ECDHE with AES-GCM or ChaCha20-Poly1305")
{
    const auto tls = httpsContext();
    SSL* ssl = SSL_new(tls->native_handle());
    REQUIRE(ssl);
    const STACK_OF(SSL_CIPHER)* ciphers = SSL_get1_supported_ciphers(ssl);
    REQUIRE(ciphers);
    std::vector<std::string> tls12;
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
        const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
        const std::string name = SSL_CIPHER_get_name(cipher);
        if (std::string(SSL_CIPHER_get_version(cipher)) == "TLSv1.3")
            continue;
        tls12.push_back(name);
        CHECK_MESSAGE(SSL_CIPHER_is_aead(cipher), name);
        CHECK_MESSAGE(name.rfind("ECDHE-", 0) == 0, name);
    }
    CHECK(std::find(tls12.begin(), tls12.end(), "ECDHE-RSA-AES128-GCM-SHA256") != tls12.end());
    CHECK(std::find(tls12.begin(), tls12.end(), "ECDHE-ECDSA-CHACHA20-POLY1305") != tls12.end());
    CHECK(std::find(tls12.begin(), tls12.end(), "AES128-SHA") == tls12.end());
    CHECK(std::find(tls12.begin(), tls12.end(), "ECDHE-RSA-AES128-SHA") == tls12.end());
    sk_SSL_CIPHER_free(const_cast<STACK_OF(SSL_CIPHER)*>(ciphers));
    SSL_free(ssl);
}

TEST_CASE("what a browser sends is escaped before it is logged")
{
    LogCapture capture;
    HttpServerConfig config;
    config.pairingKey = generatePairingKey();
    Fixture fixture(config);
    // A C1 control (CSI, which some terminals obey) and a byte that is no UTF-8.
    const std::string host = "evil\xc2\x9b"
                             "2J\xff.example";
    CHECK(statusOf(roundTrip(fixture.port(), "GET /x\xc2\x9b"
                                             "2J HTTP/1.1\r\nHost: " +
                                                 host + "\r\n\r\n")) == 421);
    CHECK(statusOf(roundTrip(fixture.port(), "GET /api/status\xc2\x85\xff HTTP/1.1\r\n" +
                                                 basicHeader(":AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-"
                                                             "AAAA") +
                                                 "\r\n")) == 401);
    CHECK(capture.count("Host 'evil\\xc2\\x9b2J\\xff.example'") == 1);
    CHECK(capture.count("GET /x\\xc2\\x9b2J from 127.0.0.1") == 1);
    CHECK(capture.count("(HTTP Basic, GET /api/status\\xc2\\x85\\xff)") == 1);
    for (const auto& line : capture.lines())
        CHECK(line.find_first_of("\x1b\x7f\xff") == std::string::npos);
    CHECK(escapeText(std::string_view("a\r\nb\x1b[2J\xc3\xa9"), 100) ==
          "a\\x0d\\x0ab\\x1b[2J\xc3\xa9");
}

TEST_CASE("out of file descriptors, the HTTP port retries its accept after a pause, logging once")
{
#ifdef PISTREAM_SANITIZED
    // The sanitizers' runtime needs descriptors of its own (UBSan checks that
    // memory is readable through a pipe): with none left it reports errors of
    // its own making. The plain and cross builds run this test.
    MESSAGE("skipped under the sanitizers: they need file descriptors themselves");
    return;
#endif
    LogCapture capture;
    Fixture fixture;
    const auto stats = [&] {
        return fixture.onIoThread([&] { return fixture.server->stats(); });
    };
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.open(asio::ip::tcp::v4());
    // No descriptor left for the server's accept: the connection waits in
    // the backlog and every accept fails with EMFILE until the limit is back.
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit tight = saved;
    tight.rlim_cur = static_cast<rlim_t>(socket.native_handle()) + 1;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
    std::vector<int> fillers; // any free descriptor under the limit, taken
    for (int fd = ::open("/dev/null", O_RDONLY); fd >= 0; fd = ::open("/dev/null", O_RDONLY))
        fillers.push_back(fd);
    socket.connect({asio::ip::make_address("127.0.0.1"), fixture.port()});
    const int burst = LogLimits{}.burst;
    const bool failedOften = waitFor(
        [&] { return stats().acceptFailures >= static_cast<std::uint64_t>(burst) + 3; }, 10s);
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);
    for (const int fd : fillers)
        ::close(fd);
    CHECK(failedOften);
    CHECK(capture.count("http: accept failed: ") == burst);
    // With descriptors again the waiting connection is served.
    asio::write(socket, asio::buffer(std::string("GET /health HTTP/1.1\r\n\r\n")));
    std::string received;
    std::array<char, 1024> buffer{};
    std::error_code error;
    while (!error) {
        const std::size_t n = socket.read_some(asio::buffer(buffer), error);
        received.append(buffer.data(), n);
    }
    CHECK(statusOf(received) == 200);
}

TEST_CASE("byte ranges: one range, the whole file when ignored, 416 when past the end")
{
    using Kind = ByteRange::Kind;
    const auto check = [](const char* header, Kind kind, std::uint64_t first,
                          std::uint64_t length) {
        const ByteRange range = parseByteRange(header, 1000);
        CAPTURE(header);
        CHECK(range.kind == kind);
        CHECK(range.first == first);
        CHECK(range.length == length);
    };
    check("", Kind::Whole, 0, 1000);
    check("bytes=0-99", Kind::Partial, 0, 100);
    check("bytes=900-", Kind::Partial, 900, 100);
    check("bytes=900-5000", Kind::Partial, 900, 100);
    check("bytes=-10", Kind::Partial, 990, 10);
    check("bytes=-5000", Kind::Partial, 0, 1000);
    check("bytes=1000-", Kind::Unsatisfiable, 0, 0);
    check("bytes=-0", Kind::Unsatisfiable, 0, 0);
    check("bytes=5-1", Kind::Whole, 0, 1000);     // invalid: ignored
    check("bytes=0-1,5-9", Kind::Whole, 0, 1000); // several: the whole file
    check("items=0-1", Kind::Whole, 0, 1000);     // another unit
    check("bytes=x-1", Kind::Whole, 0, 1000);
    check("bytes=99999999999999999999-", Kind::Whole, 0, 1000);
}

TEST_CASE("recorded events: the list, files by id with ranges, nothing by path, behind the key")
{
    const std::string key = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567";
    const HttpRouter router(key);
    std::vector<std::pair<std::size_t, std::optional<std::int64_t>>> listed;
    std::vector<std::pair<std::int64_t, bool>> looked;
    EventFiles files;
    files.list = [&](std::size_t limit, std::optional<std::int64_t> before) {
        listed.emplace_back(limit, before);
        return nlohmann::json{{"events", nlohmann::json::array()}};
    };
    files.file = [&](std::int64_t id, bool thumbnail) -> std::optional<RecordedFile> {
        looked.emplace_back(id, thumbnail);
        if (id != 7)
            return std::nullopt;
        return RecordedFile{thumbnail ? "/rec/e.jpg" : "/rec/e.mkv", 1000};
    };
    RouteContext context;
    context.nowUnix = kNowUnix;
    context.events = &files;
    const std::string auth = basicHeader(":" + key);
    using Action = HttpResponse::Action;

    SUBCASE("the key first")
    {
        CHECK(router.route(getWith("/api/events"), context).status == 401);
        CHECK(router.route(getWith("/events/7/clip.mkv"), context).status == 401);
        CHECK(router.route(getWith("/events/7/thumb.jpg"), context).status == 401);
        CHECK(listed.empty());
        CHECK(looked.empty());
    }
    SUBCASE("the list, paged")
    {
        auto response = router.route(getWith("/api/events", auth), context);
        CHECK(response.status == 200);
        CHECK(response.contentType == "application/json");
        CHECK(nlohmann::json::parse(response.body)["events"].is_array());
        response = router.route(getWith("/api/events?limit=5&before=42", auth), context);
        CHECK(response.status == 200);
        REQUIRE(listed.size() == 2);
        CHECK(listed[0].first == 20);
        CHECK_FALSE(listed[0].second);
        CHECK(listed[1].first == 5);
        CHECK(listed[1].second == 42);
        for (const char* bad :
             {"/api/events?limit=0", "/api/events?limit=101", "/api/events?limit=x",
              "/api/events?before=-1", "/api/events?before=1e3"})
            CHECK_MESSAGE(router.route(getWith(bad, auth), context).status == 400, bad);
        CHECK(listed.size() == 2);
    }
    SUBCASE("a clip whole, in part, or not at all")
    {
        auto response = router.route(getWith("/events/7/clip.mkv", auth), context);
        CHECK(response.action == Action::SendFile);
        CHECK(response.status == 200);
        CHECK(response.filePath == "/rec/e.mkv");
        CHECK(response.fileLength == 1000);
        CHECK(response.contentType == "video/x-matroska");
        CHECK(response.head().find("Content-Length: 1000\r\n") != std::string::npos);
        CHECK(response.head().find("Accept-Ranges: bytes\r\n") != std::string::npos);

        response =
            router.route(getWith("/events/7/clip.mkv", auth + "Range: bytes=100-199\r\n"), context);
        CHECK(response.status == 206);
        CHECK(response.fileOffset == 100);
        CHECK(response.fileLength == 100);
        CHECK(response.head().find("Content-Range: bytes 100-199/1000\r\n") != std::string::npos);
        CHECK(response.head().find("Content-Length: 100\r\n") != std::string::npos);

        response =
            router.route(getWith("/events/7/clip.mkv", auth + "Range: bytes=2000-\r\n"), context);
        CHECK(response.status == 416);
        CHECK(response.action == Action::Send);
        CHECK(response.head().find("Content-Range: bytes */1000\r\n") != std::string::npos);

        response = router.route(getWith("/events/7/thumb.jpg", auth), context);
        CHECK(response.filePath == "/rec/e.jpg");
        CHECK(response.contentType == "image/jpeg");
        CHECK(router.route(getWith("/events/8/clip.mkv", auth), context).status == 404);
    }
    SUBCASE("a clip replayed as MJPEG, found by id")
    {
        CHECK(router.route(getWith("/events/7/play.mjpg"), context).status == 401);
        CHECK(looked.empty());
        auto response = router.route(getWith("/events/7/play.mjpg", auth), context);
        CHECK(response.action == Action::ReplayClip);
        CHECK(response.filePath == "/rec/e.mkv");
        CHECK_FALSE(response.headOnly);
        CHECK(router.route(getWith("/events/8/play.mjpg", auth), context).status == 404);
        CHECK(router.route(getWith("/events/7/play.mjpg/x", auth), context).status == 404);
    }
    SUBCASE("nothing but an id and a known name reaches the lookup")
    {
        for (const char* path :
             {"/events/../../etc/passwd", "/events/7/../../../etc/passwd", "/events/7/clip.mkv/",
              "/events/7/other.mkv", "/events/-7/clip.mkv", "/events/0/clip.mkv", "/events/7",
              "/events/", "/events/007x/clip.mkv", "/events/%2e%2e/clip.mkv",
              "/events/99999999999999999999/clip.mkv", "/events/7/clip.mkv%00.jpg"}) {
            const auto response = router.route(getWith(path, auth), context);
            CHECK_MESSAGE(response.status == 404, path);
            CHECK(response.action == Action::Send);
        }
        CHECK(looked.empty());
    }
    SUBCASE("without recording, a plain 404")
    {
        context.events = nullptr;
        CHECK(router.route(getWith("/api/events", auth), context).status == 404);
        CHECK(router.route(getWith("/events/7/clip.mkv", auth), context).status == 404);
    }
}

TEST_CASE("a replayed clip keeps its own pace, shortens long gaps, and does not burst to catch up")
{
    ReplayPacer pacer;
    CHECK(pacer.waitMicros(0, 1'000'000) == 0); // the first frame at once
    CHECK(pacer.waitMicros(40'000, 1'000'000) == 40'000);
    CHECK(pacer.waitMicros(80'000, 1'050'000) == 30'000);
    // The camera was off for 10 s: a second's wait, not ten.
    CHECK(pacer.waitMicros(10'080'000, 1'080'000) == ReplayPacer::kMaxGapMicros);
    // On time after the gap.
    CHECK(pacer.waitMicros(10'120'000, 2'080'000) == 40'000);
    // A slow browser took 3 s for a part: no burst of the frames it missed.
    CHECK(pacer.waitMicros(10'160'000, 5'200'000) == 0);
    CHECK(pacer.waitMicros(10'200'000, 5'200'000) == 40'000);
    // A timestamp going back counts as no gap.
    CHECK(pacer.waitMicros(9'000'000, 5'240'000) == 0);
    CHECK(pacer.waitMicros(9'040'000, 5'240'000) == 40'000);
}

namespace {

// A clip as the recorder writes it: `count` frames `stepMicros` apart; their
// JPEGs in `jpegs`.
void recordClip(const std::filesystem::path& path, int count, std::int64_t stepMicros,
                std::vector<std::string>& jpegs)
{
    MkvRecorder recorder(path.string(), 64, 48);
    JpegEncoder encoder(80);
    for (int i = 0; i < count; ++i) {
        ByteBuffer jpeg;
        encoder.encode(makePicture(64, 48, 0, i % 5).frame(), jpeg);
        recorder.write(jpeg.span(), 5'000'000 + i * stepMicros);
        const auto bytes = jpeg.span();
        jpegs.emplace_back(bytes.begin(), bytes.end());
    }
    recorder.close();
}

HttpServerConfig replayConfig(const std::filesystem::path& clip)
{
    HttpServerConfig config;
    config.events.list = [](std::size_t, std::optional<std::int64_t>) {
        return nlohmann::json{{"events", nlohmann::json::array()}};
    };
    config.events.file = [clip](std::int64_t id, bool) -> std::optional<RecordedFile> {
        if (id != 1 || !std::filesystem::exists(clip))
            return std::nullopt;
        return RecordedFile{clip.string(), std::filesystem::file_size(clip)};
    };
    return config;
}

} // namespace

TEST_CASE("MkvReader gives back every JPEG of a clip unchanged, with its time")
{
    TempDir dir;
    std::vector<std::string> jpegs;
    recordClip(dir.file("e.mkv"), 6, 40'000, jpegs);
    MkvReader reader(dir.file("e.mkv").string());
    std::vector<MkvFrame> frames;
    while (auto frame = reader.next())
        frames.push_back(std::move(*frame));
    REQUIRE(frames.size() == jpegs.size());
    for (std::size_t i = 0; i < frames.size(); ++i) {
        CHECK(std::string(frames[i].jpeg.begin(), frames[i].jpeg.end()) == jpegs[i]);
        CHECK(frames[i].micros == static_cast<std::int64_t>(i) * 40'000);
    }
    CHECK_FALSE(reader.next());
    CHECK_THROWS_AS(MkvReader(dir.file("none.mkv").string()), MkvError);
    writeFile(dir.file("text.mkv"), std::string("not a clip\n"));
    CHECK_THROWS_AS(MkvReader(dir.file("text.mkv").string()), MkvError);
}

TEST_CASE("/events/ID/play.mjpg replays a clip's JPEGs as parts, then ends the response")
{
    TempDir dir;
    std::vector<std::string> jpegs;
    recordClip(dir.file("e.mkv"), 8, 20'000, jpegs);
    Fixture fixture(replayConfig(dir.file("e.mkv")));

    const Reply reply = exchange(fixture.port(), "GET /events/1/play.mjpg HTTP/1.1\r\n\r\n");
    CHECK(reply.closed);
    CHECK(statusOf(reply.text) == 200);
    CHECK(reply.text.find("Content-Type: multipart/x-mixed-replace; boundary=pistreamframe\r\n") !=
          std::string::npos);
    const auto parts = partsOf(bodyOf(reply.text), "pistreamframe");
    CHECK(parts == jpegs);
    CHECK(reply.text.find("X-Timestamp-Us: 140000\r\n") != std::string::npos);

    CHECK(statusOf(get(fixture.port(), "/events/2/play.mjpg")) == 404);
    const std::string head = get(fixture.port(), "/events/1/play.mjpg", "HEAD");
    CHECK(statusOf(head) == 200);
    CHECK(bodyOf(head).empty());
    CHECK(fixture.onIoThread([&] { return fixture.server->stats().replaying; }) == 0);
}

TEST_CASE("a clip cut short plays up to its last whole frame, and a damaged one is a 404")
{
    TempDir dir;
    std::vector<std::string> jpegs;
    recordClip(dir.file("whole.mkv"), 8, 10'000, jpegs);
    auto bytes = readFile(dir.file("whole.mkv"));
    bytes.resize(bytes.size() * 2 / 3); // the power went off while it was written
    writeFile(dir.file("e.mkv"), bytes);
    Fixture fixture(replayConfig(dir.file("e.mkv")));

    const Reply reply = exchange(fixture.port(), "GET /events/1/play.mjpg HTTP/1.1\r\n\r\n");
    CHECK(reply.closed);
    CHECK(statusOf(reply.text) == 200);
    const auto parts = partsOf(bodyOf(reply.text), "pistreamframe");
    CHECK(parts.size() >= 2);
    CHECK(parts.size() < jpegs.size());
    for (std::size_t i = 0; i < parts.size(); ++i)
        CHECK(parts[i] == jpegs[i]);

    writeFile(dir.file("e.mkv"), std::string("not a clip\n"));
    CHECK(statusOf(get(fixture.port(), "/events/1/play.mjpg")) == 404);
}

TEST_CASE("replays at once are capped: the next gets 503 until one ends")
{
    TempDir dir;
    std::vector<std::string> jpegs;
    recordClip(dir.file("e.mkv"), 3, 1'000'000, jpegs); // two seconds long
    HttpServerConfig config = replayConfig(dir.file("e.mkv"));
    config.maxReplays = 1;
    Fixture fixture(config);

    std::promise<Reply> first;
    auto firstReply = first.get_future();
    std::thread player([&] {
        first.set_value(exchange(fixture.port(), "GET /events/1/play.mjpg HTTP/1.1\r\n\r\n"));
    });
    CHECK(waitFor(
        [&] { return fixture.onIoThread([&] { return fixture.server->stats().replaying; }) == 1; },
        10000ms));
    const std::string refused = get(fixture.port(), "/events/1/play.mjpg");
    CHECK(statusOf(refused) == 503);
    CHECK(refused.find("Retry-After: ") != std::string::npos);
    player.join();
    CHECK(partsOf(bodyOf(firstReply.get().text), "pistreamframe").size() == 3);
    CHECK(fixture.onIoThread([&] { return fixture.server->stats().replaying; }) == 0);
    CHECK(statusOf(get(fixture.port(), "/events/1/play.mjpg", "HEAD")) == 200);
}
