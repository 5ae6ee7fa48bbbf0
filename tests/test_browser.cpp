// The real pistream-server's HTTP side: curl against every endpoint, and a
// real browser (headless Chromium) showing the live page.

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include <doctest/doctest.h>

#include "codec/jpeg_decoder.h"
#include "support/process.h"
#include "support/server_status.h"
#include "support/test_images.h"
#include "support/wait_for.h"

using namespace pistream;
using namespace pistream::test;
using namespace std::chrono_literals;

namespace {

// Starts the server with the browser side on an ephemeral port; returns it.
std::uint16_t startWithHttp(Process& server)
{
    REQUIRE(startServer(server) != 0);
    const auto port = server.waitForErr(std::regex(R"(browsers: http://127\.0\.0\.1:(\d+)/)"), 10s);
    REQUIRE(port);
    return static_cast<std::uint16_t>(std::stoi(*port));
}

std::string readText(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// curl's output and the HTTP status it saw.
std::pair<std::string, int> curl(const TempDir& dir, const std::string& url,
                                 const std::vector<std::string>& extra = {})
{
    // The status goes after the body, on a line of its own.
    std::vector<std::string> argv = {"curl", "-s", "--max-time", "10", "-w", "\n%{http_code}"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url);
    std::string out = runTool(argv, dir.path()).second;
    const auto newline = out.rfind('\n');
    REQUIRE(newline != std::string::npos);
    const int code = std::stoi(out.substr(newline + 1));
    out.resize(newline);
    return {out, code};
}

double meanOfRegion(const TempDir& dir, const std::string& png, const std::string& crop,
                    const char* statistic)
{
    const auto [code, out] =
        runTool({"convert", png, "-crop", crop, "+repage", "-colorspace", "gray", "-format",
                 std::string("%[fx:") + statistic + "]", "info:"},
                dir.path());
    REQUIRE(code == 0);
    return std::stod(out);
}

} // namespace

TEST_CASE("curl: status JSON, a snapshot that decodes, the MJPEG stream, health, source changes")
{
    TempDir dir;
    // The test pattern stops after 60 frames: a camera that hangs.
    const std::string keyFile = dir.file("pairing.key").string();
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                    "--key-file", keyFile, "--source", "test:stall-after=60", "--size", "320x240",
                    "--fps", "30"},
                   dir.path(), "server");
    const std::uint16_t port = startWithHttp(server);
    const std::string base = "http://127.0.0.1:" + std::to_string(port);

    // The pairing key was made on first start, for the server's user only.
    const std::string key = readText(keyFile);
    REQUIRE(key.size() == 39); // ABCD-EFGH-...: 32 characters in groups of 4
    CHECK((std::filesystem::status(keyFile).permissions() & std::filesystem::perms::group_read) ==
          std::filesystem::perms::none);
    const auto [refused, refusedCode] = curl(dir, base + "/snapshot.jpg");
    CHECK(refusedCode == 401);
    CHECK(curl(dir, base + "/api/status", {"-u", "viewer:WRONG-KEY"}).second == 401);
    CHECK(curl(dir, base + "/health").second == 200); // open for monitoring
    const std::vector<std::string> auth = {"-u", ":" + key};

    const auto [statusText, statusCode] = curl(dir, base + "/api/status", auth);
    CHECK(statusCode == 200);
    const nlohmann::json status = nlohmann::json::parse(statusText);
    CHECK(status["width"] == 320);
    CHECK(status["height"] == 240);
    CHECK(status["source"]["state"] == "live");
    CHECK(status["source"]["description"].get<std::string>().find("test pattern") == 0);
    for (const char* field : {"version", "uptimeSeconds", "fps", "viewers", "bytesSent", "frames",
                              "gzip", "socTemperatureC", "frameAgeMs"})
        CHECK_MESSAGE(status.contains(field), field);

    const auto [jpeg, snapshotCode] = curl(dir, base + "/snapshot.jpg", auth);
    CHECK(snapshotCode == 200);
    JpegDecoder decoder;
    YuvImage image;
    REQUIRE_FALSE(decoder.decode({reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()},
                                 4096, 4096, image));
    CHECK(image.info.width == 320);

    // A few seconds of stream: whole parts (a count reached before a generous
    // deadline, not a rate).
    const std::string stream =
        runTool({"curl", "-s", "--max-time", "5", "-u", ":" + key, base + "/stream.mjpg"},
                dir.path())
            .second;
    std::size_t parts = 0;
    for (std::size_t at = 0; (at = stream.find("--pistreamframe\r\n", at)) != std::string::npos;
         ++at)
        ++parts;
    CHECK(parts >= 3);

    CHECK(curl(dir, base + "/health").second == 200);
    // After the pattern stops, the supervisor reports it down and restarts it
    // (a new pattern comes back at once, so the 503 in between lasts only
    // milliseconds: that answer is tested in test_http); the page's status
    // follows the source's reports.
    const auto until = std::chrono::steady_clock::now() + 15s;
    std::string text;
    while (std::chrono::steady_clock::now() < until) {
        text = nlohmann::json::parse(curl(dir, base + "/api/status", auth).first)["source"]["text"];
        if (text.rfind("source is back", 0) == 0)
            break;
        std::this_thread::sleep_for(200ms);
    }
    CHECK(text.rfind("source is back: test pattern", 0) == 0);
    CHECK(curl(dir, base + "/x", {"-X", "DELETE", "-u", ":" + key}).second == 405);
}

TEST_CASE("a real browser shows the live page, and the picture moves")
{
    TempDir dir;
    // --insecure: the page without the key (the key is tested with curl above).
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                    "--insecure", "--size", "640x360", "--fps", "30", "--source", "test"},
                   dir.path(), "server");
    const std::uint16_t port = startWithHttp(server);
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";

    // Screenshots, each from its own headless Chromium, until one differs
    // from the first (the pattern scrolls and its clock ticks): at most 10.
    std::vector<std::string> shots;
    bool moved = false;
    for (int i = 0; i < 10 && !moved; ++i) {
        const std::string png = (dir.path() / ("page" + std::to_string(i) + ".png")).string();
        const auto [code, out] =
            runTool({"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--no-first-run", "--hide-scrollbars", "--window-size=800,600",
                     "--timeout=3000", "--screenshot=" + png, url},
                    dir.path());
        REQUIRE(code == 0);
        REQUIRE(std::filesystem::exists(png));
        shots.push_back(png);
        // compare exits 1 when the images differ
        moved = shots.size() > 1 &&
                runTool({"compare", "-metric", "AE", "-fuzz", "5%", shots.front(), png, "null:"},
                        dir.path())
                        .first == 1;
    }
    // The middle of the window is the picture: the pattern's bars make it
    // far from uniform (a blank or broken image would be flat).
    for (const auto& png : shots)
        CHECK(meanOfRegion(dir, png, "600x300+100+150", "standard_deviation") > 0.1);
    // And it moved: a later screenshot differed from the first.
    CHECK(moved);
    std::filesystem::copy_file(shots[0],
                               std::filesystem::temp_directory_path() / "pistream-browser-page.png",
                               std::filesystem::copy_options::overwrite_existing);
}

TEST_CASE("HTTPS with a configured certificate: TLS 1.2 and later only, a Secure cookie")
{
    TempDir dir;
    const std::string cert = dir.file("cert.pem").string();
    const std::string key = dir.file("key.pem").string();
    REQUIRE(
        runTool({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"},
                dir.path())
            .first == 0);
    const std::string keyFile = dir.file("pairing.key").string();
    Process server({serverBinary(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                    "--https-cert", cert, "--https-key", key, "--key-file", keyFile, "--size",
                    "160x120"},
                   dir.path(), "server");
    REQUIRE(startServer(server) != 0);
    const auto port =
        server.waitForErr(std::regex(R"(browsers: https://127\.0\.0\.1:(\d+)/)"), 10s);
    REQUIRE(port);
    const std::string base = "https://127.0.0.1:" + *port;
    const std::string pairing = readText(keyFile);

    // Verified against the certificate itself, as a browser that trusts it would.
    const auto [jpeg, code] =
        curl(dir, base + "/snapshot.jpg", {"--cacert", cert, "-u", ":" + pairing});
    CHECK(code == 200);
    CHECK(jpeg.size() > 100);
    CHECK(curl(dir, base + "/snapshot.jpg", {"--cacert", cert}).second == 401);
    const auto [page, login] =
        curl(dir, base + "/login", {"--cacert", cert, "-i", "-d", "key=" + pairing});
    CHECK(login == 303);
    CHECK(page.find("; Secure") != std::string::npos);
    // Old TLS and plain HTTP get nothing.
    CHECK(
        runTool({"curl", "-s", "--cacert", cert, "--tlsv1.1", "--tls-max", "1.1", base + "/health"},
                dir.path())
            .first != 0);
    CHECK(runTool({"curl", "-s", "--max-time", "5", "http://127.0.0.1:" + *port + "/health"},
                  dir.path())
              .first != 0);
    // TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305, never CBC with SHA-1.
    const auto tls12With = [&](const char* cipher) {
        return runTool({"curl", "-s", "-o", "/dev/null", "--cacert", cert, "--tlsv1.2", "--tls-max",
                        "1.2", "--ciphers", cipher, base + "/health"},
                       dir.path())
            .first;
    };
    CHECK(tls12With("ECDHE-ECDSA-AES128-GCM-SHA256") == 0);
    CHECK(tls12With("ECDHE-ECDSA-CHACHA20-POLY1305") == 0);
    CHECK(tls12With("ECDHE-ECDSA-AES128-SHA") != 0);
    CHECK(tls12With("ECDHE-ECDSA-AES256-SHA384") != 0);
    CHECK(server.running());

    // A certificate that is not there: one clear line, exit 1.
    Process broken({serverBinary(), "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
                    "--https-cert", dir.file("missing.pem").string(), "--https-key", key,
                    "--key-file", keyFile},
                   dir.path(), "broken");
    CHECK(broken.wait(20s) == 1);
    CHECK(broken.err().find("--https-cert") != std::string::npos);
}

TEST_CASE("with --record motion the live page shows the latest event, which replays as MJPEG")
{
    TempDir dir;
    const auto footage = movingFootage(dir);
    Process server(
        {serverBinary(), "--listen",   "127.0.0.1:0",      "--http",
         "127.0.0.1:0",  "--insecure", "--source",         "y4m:" + footage.string(),
         "--record",     "motion",     "--record-dir",     (dir.path() / "recordings").string(),
         "--pre-roll",   "1",          "--post-roll",      "1",
         "--event-gap",  "1",          "--stats-interval", "0"},
        dir.path(), "server");
    const std::uint16_t port = startWithHttp(server);
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    // The first movement's event, closed and with its thumbnail.
    nlohmann::json events;
    CHECK(waitFor(
        [&] {
            const auto text = httpGet(port, "/api/events");
            if (!text)
                return false;
            events = nlohmann::json::parse(*text, nullptr, false);
            return events.is_object() && events["events"].is_array() && !events["events"].empty() &&
                   !events["events"][0]["thumbnail"].is_null() &&
                   !events["events"][0]["endMs"].is_null();
        },
        60s));
    INFO(events.dump());
    REQUIRE(!events["events"].empty());
    const auto id = events["events"][0]["id"].get<std::int64_t>();
    CHECK(events["events"][0]["play"] == "/events/" + std::to_string(id) + "/play.mjpg");

    // The replay: every part a JPEG, and the response ends after the clip.
    const std::string replay = runTool({"curl", "-s", "--max-time", "30",
                                        url + "events/" + std::to_string(id) + "/play.mjpg"},
                                       dir.path())
                                   .second;
    std::size_t parts = 0;
    for (std::size_t at = 0; (at = replay.find("--pistreamframe\r\n", at)) != std::string::npos;
         ++at)
        ++parts;
    CHECK(parts >= 10); // a 1 s pre-roll alone is 10 frames at 10 fps
    CHECK(curl(dir, url + "events/999/play.mjpg").second == 404);

    // The page as a browser builds it: the event's thumbnail, as a button
    // that replays it. Each try is its own headless Chromium: at most 5.
    std::string dom;
    const std::string thumb = "src=\"events/" + std::to_string(id) + "/thumb.jpg\"";
    for (int i = 0; i < 5 && dom.find(thumb) == std::string::npos; ++i)
        dom = runTool({"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                       "--disable-background-networking", "--disable-component-update",
                       "--no-first-run", "--timeout=4000", "--dump-dom", url},
                      dir.path())
                  .second;
    CHECK(dom.find(thumb) != std::string::npos);
    CHECK(dom.find("id=\"motion\"") != std::string::npos);
    CHECK(dom.find("id=\"live\"") != std::string::npos);
}
