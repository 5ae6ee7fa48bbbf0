#include <cstdlib>

#include <doctest/doctest.h>

#include "cli/toml_config.h"
#include "connection/key_store.h"
#include "net/endpoint.h"
#include "server_options.h"
#include "support/printers.h"
#include "support/test_images.h"
#include "viewer_options.h"

using namespace pistream;
using namespace pistream::test;

namespace {

std::optional<int> parseServer(std::vector<std::string> args, ServerOptions& options)
{
    args.insert(args.begin(), "pistream-server");
    std::vector<const char*> argv;
    for (const auto& arg : args)
        argv.push_back(arg.c_str());
    return parseServerOptions(static_cast<int>(argv.size()), argv.data(), options);
}

} // namespace

TEST_CASE("endpoints: host, port, IPv6, defaults and errors")
{
    CHECK(parseEndpoint("pi.local", 8485).toString() == "pi.local:8485");
    CHECK(parseEndpoint("10.0.0.2:9000", 8485).port == 9000);
    CHECK(parseEndpoint(":9000", 8485).host.empty());
    CHECK(parseEndpoint("[::1]:7000", 8485).host == "::1");
    CHECK(parseEndpoint("[::1]:7000", 8485).toString() == "[::1]:7000");
    CHECK(parseEndpoint("[fe80::1]", 8485).port == 8485);
    CHECK(parseEndpoint("fe80::1", 8485).host == "fe80::1");
    for (const char* bad :
         {"", "host:", "host:65536", "host:-1", "host:80x", "[::1", "[::1]x", "[]:80"})
        CHECK_THROWS_AS(parseEndpoint(bad, 8485), std::invalid_argument);
}

TEST_CASE("sizes")
{
    int w = 0, h = 0;
    parseSize("1920x1080", w, h);
    CHECK(w == 1920);
    CHECK(h == 1080);
    parseSize("33X17", w, h);
    CHECK(w == 33);
    for (const char* bad :
         {"", "x", "1280", "1280x", "x720", "0x720", "1280x0", "70000x10", "12.5x10", "-1x5"})
        CHECK_THROWS_AS(parseSize(bad, w, h), std::invalid_argument);
}

TEST_CASE("server options: defaults, flags, config file and precedence")
{
    ServerOptions defaults;
    REQUIRE_FALSE(parseServer({}, defaults));
    CHECK(defaults.source.spec == "auto");
    CHECK(defaults.server.listen.toString() == "0.0.0.0:8485");
    CHECK(defaults.httpEnabled);
    CHECK(defaults.http.listen.toString() == "0.0.0.0:8080");
    CHECK(defaults.source.width == 1280);
    CHECK_FALSE(defaults.source.sizeGiven);
    CHECK(defaults.pipeline.quality == 80);
    CHECK(defaults.pipeline.gzip.mode == GzipSetting::Mode::Auto);
    CHECK(defaults.server.session.pacing.maxQueuedFrames == 2);
    CHECK(defaults.server.session.stallTimeout == std::chrono::seconds(10));

    TempDir dir;
    writeFile(dir.file("a.toml"),
              std::string("source = \"mjpeg:/x.mjpeg\"\nquality = 55\nmax-viewers = 3\n"
                          "gzip-strategy = \"huffman\"\nstall-timeout = 2.5\n"));
    ServerOptions options;
    REQUIRE_FALSE(parseServer(
        {"--config", dir.file("a.toml").string(), "--quality", "70", "--size", "640x480"},
        options));
    CHECK(options.source.spec == "mjpeg:/x.mjpeg");
    CHECK(options.pipeline.quality == 70); // the flag wins
    CHECK(options.server.maxViewers == 3);
    CHECK(options.pipeline.gzip.strategy == GzipStrategy::HuffmanOnly);
    CHECK(options.server.session.stallTimeout == std::chrono::milliseconds(2500));
    CHECK(options.source.sizeGiven);
    CHECK(options.server.session.pacing.maxOutstandingBytes == 64 * 1024); // default
    ServerOptions tuned;
    REQUIRE_FALSE(parseServer({"--send-buffer", "128", "--gzip-min-saving", "2.5"}, tuned));
    CHECK(tuned.server.session.pacing.maxOutstandingBytes == 128 * 1024);
    CHECK(tuned.pipeline.gzip.minSaving == doctest::Approx(0.025));
    CHECK(parseServer({"--send-buffer", "8"}, tuned).value_or(-1) == 2);
    CHECK(options.source.height == 480);

    // Values from the file get the same checks as flags.
    writeFile(dir.file("bad.toml"), std::string("quality = 500\n"));
    ServerOptions rejected;
    CHECK(parseServer({"--config", dir.file("bad.toml").string()}, rejected).value_or(-1) == 2);
    writeFile(dir.file("table.toml"), std::string("[camera]\nflip = true\n"));
    CHECK(parseServer({"--config", dir.file("table.toml").string()}, rejected).value_or(-1) == 2);
    CHECK(parseServer({"--config", dir.file("missing.toml").string()}, rejected).value_or(-1) == 2);
}

TEST_CASE("--publish: repeatable on the command line, a list in the config file, checked in both")
{
    ServerOptions none;
    REQUIRE_FALSE(parseServer({}, none));
    CHECK(none.publish.targets.empty());

    ServerOptions flags;
    REQUIRE_FALSE(parseServer({"--publish", "mqtt://a/cam?format=base64", "--publish",
                               "redis://b:7000/cam", "--source", "test"},
                              flags));
    REQUIRE(flags.publish.targets.size() == 2);
    CHECK(flags.publish.targets[0].format == PublishTarget::Format::Base64);
    CHECK(flags.publish.targets[1].port == 7000);
    CHECK(flags.source.spec == "test"); // one URL per --publish: it takes no more

    TempDir dir;
    writeFile(dir.file("p.toml"),
              std::string("publish = [\"mqtt://a/one\", \"redis://b/two\", \"mqtt://c/three\"]\n"));
    ServerOptions file;
    REQUIRE_FALSE(parseServer({"--config", dir.file("p.toml").string()}, file));
    REQUIRE(file.publish.targets.size() == 3);
    CHECK(file.publish.targets[1].kind == PublishTarget::Kind::Redis);
    CHECK(file.publish.targets[2].topic == "three");
    writeFile(dir.file("one.toml"), std::string("publish = \"mqtt://a/one\"\n"));
    ServerOptions single;
    REQUIRE_FALSE(parseServer({"--config", dir.file("one.toml").string()}, single));
    CHECK(single.publish.targets.size() == 1);

    // A bad URL is a usage error (exit 2) wherever it comes from.
    ServerOptions rejected;
    CHECK(parseServer({"--publish", "mqtt://host:0/cam"}, rejected).value_or(-1) == 2);
    writeFile(dir.file("bad.toml"), std::string("publish = [\"mqtt://a/one\", 5]\n"));
    CHECK(parseServer({"--config", dir.file("bad.toml").string()}, rejected).value_or(-1) == 2);
    writeFile(dir.file("badurl.toml"), std::string("publish = [\"amqp://a/one\"]\n"));
    CHECK(parseServer({"--config", dir.file("badurl.toml").string()}, rejected).value_or(-1) == 2);
}

std::optional<int> parseViewer(std::vector<std::string> args, ViewerOptions& options)
{
    args.insert(args.begin(), "pistream-viewer");
    std::vector<const char*> argv;
    for (const auto& arg : args)
        argv.push_back(arg.c_str());
    return parseViewerOptions(static_cast<int>(argv.size()), argv.data(), options);
}

TEST_CASE("viewer options")
{
    const auto parse = parseViewer;
    ViewerOptions options;
    REQUIRE_FALSE(parse(
        {"--headless", "--no-decode", "--frames", "7", "--stats", "json", "--insecure", "pi:9000"},
        options));
    CHECK(options.client.pairingKey.empty());
    CHECK(options.headless);
    CHECK_FALSE(options.headlessConfig.decode);
    CHECK(options.headlessConfig.frames == 7);
    CHECK(options.headlessConfig.json);
    CHECK(options.client.server.toString() == "pi:9000");
    ViewerOptions other;
    CHECK(parse({":9000"}, other).value_or(-1) == 2);
    CHECK(parse({"--max-message", "10", "--insecure", "pi"}, other).value_or(-1) == 2);
}

TEST_CASE("--name and --no-announce, on the command line and in the config file")
{
    ServerOptions defaults;
    REQUIRE_FALSE(parseServer({}, defaults));
    CHECK(defaults.announce.enabled);
    CHECK(defaults.announce.name == defaultServiceName());
    ServerOptions named;
    REQUIRE_FALSE(parseServer({"--name", "Garden", "--no-announce"}, named));
    CHECK(named.announce.name == "Garden");
    CHECK_FALSE(named.announce.enabled);
    TempDir dir;
    writeFile(dir.file("server.toml"), std::string("name = \"Door\"\nno-announce = true\n"));
    ServerOptions fromFile;
    REQUIRE_FALSE(parseServer({"--config", dir.file("server.toml").string()}, fromFile));
    CHECK(fromFile.announce.name == "Door");
    CHECK_FALSE(fromFile.announce.enabled);
    ServerOptions tooLong;
    CHECK(parseServer({"--name", std::string(64, 'x')}, tooLong).value_or(-1) == 2);
    ServerOptions control;
    CHECK(parseServer({"--name", "a\nb"}, control).value_or(-1) == 2);
}

TEST_CASE("viewer discovery options: no host looks on the LAN, --list takes no host")
{
    const auto parse = parseViewer;
    ViewerOptions browse;
    REQUIRE_FALSE(parse({"--headless"}, browse));
    CHECK(browse.discovery.browse);
    CHECK_FALSE(browse.discovery.list);
    CHECK(browse.client.pairingKey.empty()); // chosen once a camera is found
    ViewerOptions list;
    REQUIRE_FALSE(parse({"--list", "--json", "--browse-time", "0.5"}, list));
    CHECK(list.discovery.list);
    CHECK(list.discovery.json);
    CHECK(list.discovery.seconds == doctest::Approx(0.5));
    CHECK_FALSE(list.discovery.browse);
    ViewerOptions both;
    CHECK(parse({"--list", "pi"}, both).value_or(-1) == 2);
    ViewerOptions jsonAlone;
    CHECK(parse({"--json"}, jsonAlone).value_or(-1) == 2);
    ViewerOptions tooLong;
    CHECK(parse({"--list", "--browse-time", "100"}, tooLong).value_or(-1) == 2);
}

TEST_CASE("viewer wall options: several hosts or --all, each host its own key")
{
    const auto parse = parseViewer;
    TempDir dir;
    ::setenv("XDG_CONFIG_HOME", dir.path().c_str(), 1);
    const std::string key = "abcd-efgh-ijkl-mnop-qrst-uvwx-yz23-4567";

    ViewerOptions one;
    REQUIRE_FALSE(parse({"--insecure", "pi"}, one));
    CHECK_FALSE(one.wall.active()); // one host: the single window, as ever
    CHECK(one.wall.targets.empty());

    ViewerOptions three;
    REQUIRE_FALSE(parse({"--insecure", "garden.local", "door.local:9000", "10.0.0.7"}, three));
    CHECK(three.wall.active());
    REQUIRE(three.wall.targets.size() == 3);
    CHECK(three.wall.targets[0].client.server.toString() == "garden.local:8485");
    CHECK(three.wall.targets[1].client.server.toString() == "door.local:9000");
    CHECK(three.wall.targets[2].client.server.toString() == "10.0.0.7:8485");

    // A key remembered for one host is that host's only.
    KeyStore().remember("garden.local:8485", key);
    ViewerOptions missing;
    CHECK(parse({"garden.local", "door.local"}, missing).value_or(-1) == 2); // door has none
    KeyStore().remember("door.local:8485", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ");
    ViewerOptions keyed;
    REQUIRE_FALSE(parse({"garden.local", "door.local"}, keyed));
    REQUIRE(keyed.wall.targets.size() == 2);
    CHECK(keyed.wall.targets[0].client.pairingKey == "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    CHECK(keyed.wall.targets[1].client.pairingKey == "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ");
    CHECK_FALSE(keyed.wall.targets[0].rememberKey);

    ViewerOptions all;
    REQUIRE_FALSE(parse({"--all"}, all));
    CHECK(all.wall.all);
    CHECK(all.wall.active());
    CHECK_FALSE(all.discovery.browse); // the wall browses, over and over

    ViewerOptions allAndHost;
    CHECK(parse({"--all", "pi"}, allAndHost).value_or(-1) == 2);
    ViewerOptions allAndList;
    CHECK(parse({"--all", "--list"}, allAndList).value_or(-1) == 2);
    ViewerOptions headless;
    CHECK(parse({"--insecure", "--headless", "a", "b"}, headless).value_or(-1) == 2);
    ViewerOptions record;
    CHECK(parse({"--insecure", "--record", "x.mkv", "a", "b"}, record).value_or(-1) == 2);
}

TEST_CASE("the viewer's key comes from --key, --key-file or the store, else it is a usage error")
{
    const auto parse = parseViewer;
    TempDir dir;
    ::setenv("XDG_CONFIG_HOME", dir.path().c_str(), 1);
    const std::string key = "abcd-efgh-ijkl-mnop-qrst-uvwx-yz23-4567";
    const std::string canonical = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    ViewerOptions none;
    CHECK(parse({"pi"}, none).value_or(-1) == 2); // nothing known about pi yet
    ViewerOptions bad;
    CHECK(parse({"--key", "ABCD-1234", "pi"}, bad).value_or(-1) == 2);
    ViewerOptions both;
    CHECK(parse({"--key", key, "--insecure", "pi"}, both).value_or(-1) == 2);

    ViewerOptions given;
    REQUIRE_FALSE(parse({"--key", key, "pi"}, given));
    CHECK(given.client.pairingKey == canonical);
    CHECK(given.rememberKey);

    writeFile(dir.file("key.txt"), canonical + "\n");
    ViewerOptions fromFile;
    REQUIRE_FALSE(parse({"--key-file", dir.file("key.txt").string(), "pi"}, fromFile));
    CHECK(fromFile.client.pairingKey == canonical);
    writeFile(dir.file("junk.txt"), std::string(100000, 'x'));
    ViewerOptions junk;
    CHECK(parse({"--key-file", dir.file("junk.txt").string(), "pi"}, junk).value_or(-1) == 2);

    // Remembered for pi:8485 only: the next start needs no flag.
    const KeyStore store;
    CHECK(store.path() == dir.path() / "pistream" / "keys.toml");
    store.remember("pi:8485", canonical);
    const auto mode = std::filesystem::status(store.path()).permissions();
    CHECK((mode & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    ViewerOptions remembered;
    REQUIRE_FALSE(parse({"pi"}, remembered));
    CHECK(remembered.client.pairingKey == canonical);
    CHECK_FALSE(remembered.rememberKey);
    CHECK(remembered.client.keyOrigin == store.path().string());
    ViewerOptions otherPort;
    CHECK(parse({"pi:9000"}, otherPort).value_or(-1) == 2);

    // A second server is added beside the first; a changed key replaces the old one.
    store.remember("cam2:8485", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ");
    store.remember("pi:8485", "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB");
    CHECK(store.find("pi:8485") == "BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB-BBBB");
    CHECK(store.find("cam2:8485") == "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ");

    writeFile(store.path(), std::string("[keys\n"));
    ViewerOptions broken;
    CHECK(parse({"pi"}, broken).value_or(-1) == 2); // a clear error, not a crash
    ::unsetenv("XDG_CONFIG_HOME");
}

TEST_CASE("the shipped systemd/server.toml is a valid config and matches the defaults it documents")
{
    ServerOptions shipped, defaults;
    const auto path = dataDir().parent_path().parent_path() / "systemd" / "server.toml";
    REQUIRE(std::filesystem::exists(path));
    REQUIRE_FALSE(parseServer({"--config", path.string()}, shipped));
    REQUIRE_FALSE(parseServer({}, defaults));
    CHECK(shipped.source.spec == "camera"); // the service insists on the camera...
    CHECK(defaults.source.spec == "auto");  // ...the command line falls back to the pattern
    CHECK(shipped.server.listen.toString() == defaults.server.listen.toString());
    CHECK(shipped.pipeline.quality == defaults.pipeline.quality);
    CHECK(shipped.server.maxViewers == defaults.server.maxViewers);
    CHECK(shipped.server.session.pacing.maxQueuedFrames ==
          defaults.server.session.pacing.maxQueuedFrames);
}
