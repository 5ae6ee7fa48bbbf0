#include "viewer_options.h"

#include <algorithm>

#include "broker/broker_subscriber.h"
#include "broker/publish_target.h"
#include "cli/toml_config.h"
#include "connection/key_store.h"
#include "core/version.h"
#include "security/pairing_key.h"

namespace pistream {

namespace {

constexpr const char* kDescription = R"(pistream-viewer: watch a pistream-server stream.

Connects to HOST (port 8485 unless given), checks every message against its caps,
un-gzips and decodes each frame, and measures end-to-end latency from the camera's
capture timestamp using the server clock learnt from ping/pong. Or subscribes
straight to a broker topic (mqtt://, redis://, kafka://; see BROKERS).)";

constexpr const char* kFooter = R"(
WINDOW
  One window, updated in place with the newest frame (older ones are dropped
  when the screen is slower than the stream), letterboxed to the stream's
  aspect ratio. Keys:
      f       fullscreen on/off          s      save a snapshot (the JPEG as received)
      r       start/stop recording       o      stats overlay on/off
      h, ?    help                       q, Esc quit
  Recordings are Matroska files of the received JPEGs, not re-encoded, timed
  by their capture timestamps: pistream-YYYYMMDD-HHMMSS-mmm.mkv in the
  current directory, or --record FILE from the start (headless too). When
  the stream changes size, a recording NAME.mkv goes on in NAME-2.mkv,
  NAME-3.mkv ... beside it (one picture size per Matroska file), and the
  log says so. When the connection
  drops the last picture stays, marked "reconnecting", and the viewer retries
  (0.5 s doubling to 5 s); with no frame for 2 s it is marked "stalled".
  Without a display (no DISPLAY or WAYLAND_DISPLAY, or SDL has only an
  invisible driver) the viewer runs headless, as with --headless.
  On a weak link a 1.2 server sends smaller encodings of the same frames
  (lower quality, then half size) to keep the frame rate (--adapt; the
  overlay and the stats line show the rung); the picture is scaled to the
  window. A recording keeps what is received: a half-size stretch goes on in
  NAME-2.mkv as any size change does; --adapt quality records full size.
  Frames that are no picture of their declared size are skipped and counted
  as errors; a server that breaks the protocol, or sends no complete message
  for 10 s, is dropped and retried.

WALL
  Several HOSTs (pistream-viewer garden.local door.local 10.0.0.7), or --all
  for every camera found on the LAN (tiles come and go with the cameras),
  open one window with a tile per camera in a grid that fits it. Each tile
  is a connection of its own, with its own reconnects, key (--key or
  --key-file for all, else each one's remembered) and stats: one camera down
  or sending garbage touches no other. A tile shows its number, the
  camera's name, its state (live, stalled, reconnecting, source down, wrong
  key, no key) and MOTION while the server reports a motion event. A tile
  asks its server for pictures no larger than it shows them (a 1.3 server
  then sends half size where that covers the tile) and decodes what is
  still larger at 1/2, 1/4 or 1/8 (in libjpeg-turbo's DCT). Recordings
  from the wall ask for the camera's own size; snapshots save the picture
  as received (half size on the wall, full once focused). Keys:
      1-9, click  one camera full window     Esc    back to the wall
      s       snapshot of the camera shown, or of every camera
      r       record on/off, likewise (one file per camera,
              pistream-NAME-YYYYMMDD-HHMMSS-mmm.mkv)
      f       fullscreen on/off              o      stats on the tiles on/off
      h, ?    help                           q, Esc (on the wall) quit
  A wall needs a window (no --headless) and takes no --record FILE.

HEADLESS MODE
  --headless receives and decodes every frame without a window and prints a
  stats line every second on stderr: fps, bitrate, sequence gaps (frames the
  server skipped for this viewer), decode errors and latency percentiles.
  With --stats json a JSON object with the totals is printed on stdout at the
  end: frames, fps, bytes, sequence_gaps, decode_errors (frames skipped as no
  picture), untimed_frames (left out of latency: timestamps out of order or
  absurd), latency_ms {p50, p95, p99, max}, result and reason.

PAIRING KEY
  A pistream-server asks for its pairing key (TLS 1.3 with the key as a
  pre-shared key: the stream is encrypted, and only holders of the key see
  it). On the Pi, `pistream-server --show-key` prints it. Give it once:
      pistream-viewer --key ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567 raspberrypi.local
  (dashes, spaces and case do not matter) or --key-file FILE. A --key on
  the command line can be read by other users of this machine (ps,
  /proc/PID/cmdline): prefer --key-file, or give --key once and let the
  viewer remember it. Once the server has accepted it, it is remembered
  for that HOST:PORT in $XDG_CONFIG_HOME/pistream/keys.toml
  (~/.config/pistream/keys.toml, mode 0600), and later connections need
  nothing. A wrong key ends with "wrong
  key" and no retries. --insecure connects in plain TCP, to a server started
  with --insecure.

DISCOVERY
  pistream-server announces itself on the LAN (mDNS/DNS-SD through
  avahi-daemon, as _pistream._tcp). --list looks for --browse-time seconds
  (default 2) and prints each camera found: its name, host, address, port,
  picture size, frame rate and whether it needs a pairing key and this
  viewer has one stored for it; --json prints a JSON array instead. With no
  HOST the viewer looks the same way and opens the camera if there is
  exactly one; with none it says so; with several it shows a picker in the
  window, a row per camera (name, address, size, fps, key), kept up to date
  as cameras come and go:
      1-9, click  open that camera           a       all of them (see WALL)
      f           fullscreen                 Esc, q  quit
  A camera that needs a key this viewer has not got says how to give one.
  Headless, it lists them and asks for one (give its HOST:PORT or
  address), exit 2. Needs avahi-daemon on this
  machine and mDNS (5353/udp) through the firewall. A key given with --key
  for a discovered camera is remembered under its mDNS host name
  (NAME.local:PORT), so a new address from DHCP does not lose it.

BROKERS
  Instead of HOST, a broker URL: the viewer subscribes to the topic itself,
  with no pistream-server in between, and shows, records (r, --record) and
  counts the frames as from a server, headless too:
      mqtt://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC     (port 1883)
      redis://HOST[:PORT]/CHANNEL                    (port 6379)
      kafka://BROKER[:PORT][,BROKER...]/TOPIC        (port 9092)
  An MQTT or Kafka payload is a JPEG, raw or base64 (detected); a Redis
  message is the MXCuBE video-streamer's JSON. Each gets the header checks
  of every JPEG from outside; one that is not a picture (not a JPEG, bad
  base64 or JSON, truncated) is skipped and counted in errors, one over
  --max-message in gaps, and the stream goes on. Only the newest message
  is kept: those the screen had no time for count as gaps. Latency is
  shown when the publisher says when each frame was captured:
  pistream-server's --publish mqtt://...?protocol=5 (MQTT 5 user
  properties) and kafka:// (headers), against this machine's wall clock
  (keep both on NTP). From Kafka the viewer reads as a consumer group of
  its own, from the newest frame. A broker that goes away is tried again
  as a server is (headless: the viewer ends, exit 1). No pairing key: the
  broker's own user and password, in the URL, are its access control.

CONFIG FILE
  --config FILE reads TOML whose keys are the long flag names, e.g.
      max-message = 8388608
      connect-timeout = 5
  Flags given on the command line win over the file.

EXIT STATUS
  0  got what was asked (--frames N, or frames until --duration or Ctrl-C);
     --list: at least one camera found
  1  could not connect, wrong key, protocol error, connection lost, or too
     few frames; --list or no HOST: no camera found, or no avahi-daemon
  2  bad command line or config file, or no key for a HOST; no HOST,
     headless, and several cameras found (give one)

EXAMPLES
  pistream-viewer                                   the only camera on the LAN, or a picker
  pistream-viewer --list                            the cameras on the LAN
  pistream-viewer --all                             a wall of every camera on the LAN
  pistream-viewer garden.local door.local           a wall of two cameras
  pistream-viewer --list --json --browse-time 5
  pistream-viewer --key-file pi.key raspberrypi.local
  pistream-viewer raspberrypi.local                 (the key remembered from before)
  pistream-viewer --insecure 127.0.0.1
  pistream-viewer --headless --frames 300 --stats json 192.168.1.20:8485
  pistream-viewer mqtt://broker.lan/lab/cam1        straight from an MQTT topic
  pistream-viewer --record lab.mkv redis://lab-bus/video:cam1
)";

bool isBrokerUrl(const std::string& text)
{
    return text.rfind("mqtt://", 0) == 0 || text.rfind("redis://", 0) == 0 ||
           text.rfind("kafka://", 0) == 0;
}

// A broker URL instead of HOST: parsed as the server's --source, and the
// build must have that broker's client. Throws std::invalid_argument.
PublishTarget parseBrokerUrl(const std::string& url, std::size_t maxPayload)
{
    static const std::string kSource = "--source";
    try {
        PublishTarget target = parseSourceUrl(url);
        (void)makeBrokerSubscriber(target, maxPayload); // connects to nothing yet
        return target;
    } catch (const std::exception& error) { // a bad URL, or no client for it in this build
        std::string text = error.what();
        if (text.rfind(kSource, 0) == 0)
            text.replace(0, kSource.size(), "broker URL");
        throw std::invalid_argument(text);
    }
}

} // namespace

// The key to connect with: --key, --key-file, or the one remembered for the
// server. Throws std::invalid_argument (a usage error) when there is none.
void chooseServerKey(ViewerOptions& options)
{
    const KeyFlags& flags = options.keyFlags;
    if (flags.insecure)
        return;
    const std::string server = options.client.server.toString();
    if (options.keyName.empty())
        options.keyName = server;
    if (!flags.key.empty()) {
        if (normalizePairingKey(flags.key).empty())
            throw std::invalid_argument(
                "--key: not a pairing key (32 letters and digits like ABCD-EFGH-...)");
        options.client.pairingKey = normalizePairingKey(flags.key);
        options.client.keyOrigin = "--key";
        options.rememberKey = true;
    } else if (!flags.keyFile.empty()) {
        try {
            options.client.pairingKey = normalizePairingKey(readPairingKey(flags.keyFile));
        } catch (const std::runtime_error& error) {
            throw std::invalid_argument(std::string("--key-file: ") + error.what());
        }
        options.client.keyOrigin = "--key-file " + flags.keyFile;
        options.rememberKey = true;
    } else {
        const KeyStore store;
        std::optional<std::string> remembered;
        try {
            remembered = store.find(options.keyName);
            if (!remembered && options.keyName != server)
                remembered = store.find(server);
        } catch (const std::runtime_error& error) {
            throw std::invalid_argument(error.what());
        }
        if (!remembered)
            throw std::invalid_argument(
                "no pairing key for " + options.keyName +
                ": give it once with --key KEY (on the Pi, pistream-server --show-key prints "
                "it; the viewer remembers it), or --insecure for a server run with --insecure");
        options.client.pairingKey = normalizePairingKey(*remembered);
        options.client.keyOrigin = store.path().string();
    }
}

std::optional<int> parseViewerOptions(int argc, const char* const* argv, ViewerOptions& options)
{
    CLI::App app(kDescription, "pistream-viewer");
    app.footer(kFooter);
    app.get_formatter()->column_width(30);
    app.set_version_flag("--version", std::string("pistream-viewer ") + kVersion);
    addTomlConfig(app, "read settings from a TOML file (see CONFIG FILE)");

    std::vector<std::string> servers;
    std::string statsFormat = "text";
    double connectTimeout = 5;
    std::uint32_t maxMessage = options.client.maxMessage;

    app.add_option("server", servers,
                   "HOST[:PORT] of the pistream-server (port 8485 by default); several: a wall "
                   "(see WALL); none: find cameras on the LAN (see DISCOVERY); or one broker URL, "
                   "mqtt://, redis:// or kafka:// (see BROKERS)")
        ->type_name("HOST[:PORT]...|URL");
    app.add_flag("--all", options.wall.all,
                 "a wall of every camera found on the LAN, as they come and go (see WALL)");
    auto* listOption = app.add_flag("--list", options.discovery.list,
                                    "find cameras on the LAN, print them and exit (see DISCOVERY)");
    app.add_flag("--json", options.discovery.json, "--list prints a JSON array")->needs(listOption);
    app.add_option("--browse-time", options.discovery.seconds,
                   "seconds to look for cameras on the LAN (0.1..60)")
        ->type_name("S")
        ->check(CLI::Range(0.1, 60.0).description(""))
        ->capture_default_str();
    app.add_flag("--headless", options.headless,
                 "no window: receive, decode and print stats (see HEADLESS MODE)");
    app.add_flag("--fullscreen", options.window.fullscreen, "start in fullscreen");
    std::string windowSize;
    app.add_option("--size", windowSize, "window size; default: the stream's (at most 1280x720)")
        ->type_name("WxH")
        ->check(sizeValidator().description(""));
    app.add_option("--record", options.recordPath, "record from the start into FILE (.mkv)")
        ->type_name("FILE");
    bool noOverlay = false;
    app.add_flag("--no-overlay", noOverlay, "start with the stats overlay hidden (o shows it)");
    app.add_option("--font", options.window.font,
                   "TTF font for the overlay (default: DejaVu Sans Mono)")
        ->type_name("FILE");
    app.add_option("--snapshot-dir", options.window.snapshotDir, "where s saves snapshots")
        ->type_name("DIR")
        ->capture_default_str();
    app.add_option("--frames", options.headlessConfig.frames,
                   "stop after N frames; with --duration, N frames are required in time")
        ->type_name("N");
    app.add_option("--duration", options.headlessConfig.duration, "stop after S seconds")
        ->type_name("S")
        ->check(CLI::Range(0.0, 1e7).description(""));
    app.add_option("--stats", statsFormat, "text, or json for a final JSON summary on stdout")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}).description(""))
        ->capture_default_str();
    bool noDecode = false;
    app.add_flag("--no-decode", noDecode, "check each frame's JPEG header but do not decode it");
    app.add_option("--decode-threads", options.client.decodeThreads,
                   "threads per JPEG, each decoding a band between restart markers (as the "
                   "server's strips): less latency; 0: the cores, at most 4")
        ->type_name("N")
        ->check(CLI::Range(0, 16).description(""))
        ->capture_default_str();
    app.add_option(
           "--max-message", maxMessage,
           "largest message accepted, in bytes (1 KiB..256 MiB); larger closes the connection "
           "(a broker's: skipped)")
        ->type_name("BYTES")
        ->check(CLI::Range(1024u, 256u << 20).description(""))
        ->capture_default_str();
    app.add_option("--connect-timeout", connectTimeout,
                   "seconds for the TCP connection, TLS handshake and the server's hello together")
        ->type_name("S")
        ->check(CLI::Range(0.1, 600.0).description(""))
        ->capture_default_str();
    std::string adapt = "server";
    app.add_option("--adapt", adapt,
                   "on a weak link keep the frame rate at less detail (framerate), or full "
                   "quality with frames skipped (quality, off); server: the server's --adapt")
        ->type_name("POLICY")
        ->check(CLI::IsMember({"server", "framerate", "quality", "off"}).description(""))
        ->capture_default_str();
    std::string& key = options.keyFlags.key;
    std::string& keyFile = options.keyFlags.keyFile;
    bool& insecure = options.keyFlags.insecure;
    auto* keyOption =
        app.add_option("--key", key,
                       "the server's pairing key (see PAIRING KEY); remembered. Visible to "
                       "other users in ps: prefer --key-file")
            ->type_name("KEY");
    auto* keyFileOption =
        app.add_option("--key-file", keyFile, "read the pairing key from FILE; remembered")
            ->type_name("FILE")
            ->excludes(keyOption);
    app.add_flag("--insecure", insecure, "plain TCP, no key: for a server run with --insecure")
        ->excludes(keyOption)
        ->excludes(keyFileOption);
    addLogLevel(app, options.logLevel);

    return parseCommandLine(app, argc, argv, [&] {
        if (options.discovery.list && !servers.empty())
            throw std::invalid_argument("--list finds cameras itself: give no HOST");
        if (options.wall.all && !servers.empty())
            throw std::invalid_argument("--all finds cameras itself: give no HOST");
        if (options.wall.all && options.discovery.list)
            throw std::invalid_argument("--all and --list: choose one");
        const std::string server = servers.empty() ? std::string() : servers.front();
        options.discovery.browse = server.empty() && !options.discovery.list && !options.wall.all;
        const bool broker = isBrokerUrl(server);
        if (servers.size() > 1 &&
            std::any_of(servers.begin(), servers.end(),
                        [](const std::string& each) { return isBrokerUrl(each); }))
            throw std::invalid_argument(
                "a broker URL is one stream: a wall takes pistream-servers");
        if (broker)
            options.client.broker = parseBrokerUrl(server, maxMessage);
        else if (!server.empty()) {
            options.client.server = parseEndpoint(server, kDefaultPort);
            if (options.client.server.host.empty())
                throw std::invalid_argument("missing host in '" + server + "'");
        }
        options.client.maxMessage = maxMessage;
        if (adapt != "server")
            options.client.adapt = adapt == "framerate" ? AdaptPolicy::Framerate
                                   : adapt == "quality" ? AdaptPolicy::Quality
                                                        : AdaptPolicy::Off;
        options.client.connectTimeout =
            std::chrono::milliseconds(static_cast<std::int64_t>(connectTimeout * 1000));
        options.headlessConfig.json = statsFormat == "json";
        options.headlessConfig.decode = !noDecode;
        options.window.overlay = !noOverlay;
        options.window.title =
            broker ? options.client.broker->describeSource() : options.client.server.toString();
        if (!windowSize.empty())
            parseSize(windowSize, options.window.width, options.window.height);
        if (servers.size() > 1 || options.wall.all) {
            if (options.headless)
                throw std::invalid_argument("a wall (several HOSTs or --all) needs a window: "
                                            "run one viewer per camera with --headless");
            if (!options.recordPath.empty())
                throw std::invalid_argument(
                    "--record FILE is for one camera: on a wall, r records every camera");
        }
        if (servers.size() > 1) {
            // Each camera its own key: --key/--key-file for all, or each one's remembered.
            for (const std::string& each : servers) {
                ViewerOptions one = options;
                one.client.server = parseEndpoint(each, kDefaultPort);
                if (one.client.server.host.empty())
                    throw std::invalid_argument("missing host in '" + each + "'");
                one.keyName.clear();
                chooseServerKey(one);
                options.wall.targets.push_back({one.client, one.keyName, one.rememberKey});
            }
        } else if (!server.empty() && !broker) {
            chooseServerKey(options); // a broker has its own user and password, in the URL
        }
    });
}

} // namespace pistream
