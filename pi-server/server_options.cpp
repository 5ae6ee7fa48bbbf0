#include "server_options.h"

#include <cmath>

#include "broker/publish_target.h"
#include "cli/toml_config.h"
#include "core/version.h"
#include "notify/notify_target.h"
#include "record/retention.h"

namespace pistream {

namespace {

constexpr const char* kDescription =
    R"(pistream-server: stream a camera, test pattern or video file to pistream viewers.

Each frame is JPEG-encoded once (libjpeg-turbo), optionally gzipped, and sent to
every connected viewer as a length-prefixed message over TCP (docs/protocol.md).
A viewer that falls behind skips to the newest frame; it never slows the others.)";

constexpr const char* kFooter = R"(
SOURCES
  auto          the first camera if libcamera finds one, else test (default)
  camera        the first camera libcamera finds: Raspberry Pi camera modules
                first, then USB webcams and laptop cameras. At --size and --fps
                or the nearest the camera can do (logged); camera:N picks by
                the number --list-cameras shows, camera:ID by its id. Without a
                camera it says so and exits 1
  test          built-in animated pattern at --size and --fps, with a frame
                counter and the time burned in
  y4m:PATH      YUV4MPEG2 4:2:0 file, looped, paced at its own rate or --fps;
                make one with: ffmpeg -i IN -pix_fmt yuv420p -f yuv4mpegpipe OUT.y4m
  mjpeg:PATH    concatenated JPEG frames, looped at --fps (default 30), sent as
                they are, never re-encoded; make one with: ffmpeg -i IN -f mjpeg OUT.mjpeg
  test:stall-after=N
                the test pattern, which stops delivering after N frames: a hung
                camera, for trying out the watchdog and viewers' "stalled" state
  mqtt://[USER[:PASS]@]HOST[:PORT]/TOPIC
                JPEGs published to an MQTT topic (libmosquitto, port 1883),
                the payload raw or base64 (detected), sent as they are
  redis://HOST[:PORT]/CHANNEL
                the MXCuBE video-streamer's JSON on a Redis channel (hiredis,
                port 6379): {"data": base64 JPEG, "size": [h, w], ...}
  kafka://BROKER[:PORT][,BROKER...]/TOPIC
                JPEG (or base64) message values on a Kafka topic (librdkafka,
                port 9092); consumer group pistream-HOSTNAME, starting at the
                newest offset, skipping to the newest frame when behind
  A broker source opens with the first good frame (waiting up to 10 s) and
  keeps its size; a message that is not a whole JPEG of that size (8 MiB at
  most) is skipped, counted (/api/status "source": "messages") and logged
  at most every 30 s. It takes the newest frame when behind. A lost broker,
  or no frame for 3 s, is "source down" to viewers; the broker is tried
  again at once, then 0.25 s doubling to 4 s. --fps sets only the rate
  announced to viewers (default 30).

CAMERA CONTROLS
  Checked against what the camera reports before streaming starts; a value it
  cannot take is an error naming its range (exit 1). --list-cameras shows the
  cameras and their modes. Controls a camera lacks (autofocus on a Camera
  Module 2, say) are errors only when asked for.
  --awb modes: auto, incandescent, tungsten, fluorescent, indoor, daylight,
  cloudy, custom (the camera's tuning decides what each means).
  --camera-format: a Pi camera delivers YUV 4:2:0, encoded here. A webcam
  delivers MJPEG, sent as it comes (no encoding on the Pi; --quality does not
  apply, and missing Huffman tables are added), or YUYV, converted to 4:2:0
  and encoded. auto takes 4:2:0, else the size nearest --size, MJPEG before
  YUYV; mjpeg or yuyv insist on one.

MOTION
  --motion analyses every frame (or every Nth) on a luma plane box-filtered to
  160 pixels wide: a running-average background, a per-pixel change that
  scales with brightness, specks removed, and motion when more than
  --motion-area of the watched picture changed. A change of most of the
  picture at once (clouds, a lamp, auto exposure) re-learns the background
  instead. An event starts after --motion-min-frames such frames in a row and
  ends after --event-gap seconds without motion (default 30). Events are
  logged and shown in /api/status ("motion"). Masks, in the config file as
  motion-mask = ["ignore:0,0 0.3,0 0.3,0.4 0,0.4"]: ignore regions never
  count; with any watch region, only those count. MJPEG sources (webcams'
  MJPEG, mjpeg: files) are passed through undecoded and not analysed.

RECORDING
  --record motion writes one clip per motion event (and turns --motion on if
  it is not): the --pre-roll seconds before the event started, the event,
  and --post-roll seconds after it ended, as Matroska MJPEG (the frames the
  viewers got, never re-encoded; each frame flushed, so a power cut loses at
  most the last), named by the start time in UTC
  (event-20261202-193000-123.mkv), with the JPEG of the frame with the most
  motion beside it (.jpg). The events are indexed in events.sqlite3 in the
  same directory, repaired from the files at start. --record continuous
  writes --segment long files (segment-...mkv) all the time. Both keep the
  camera encoding with nobody watching. The pre-roll is held in memory, at
  most 32 MiB. Writing happens on a thread of its own: a card slower than
  the camera loses frames from the recording (counted in /api/status
  "recording" and the stats line), never from the stream.
  Retention, before each new file and every minute: recordings older than
  --retain-days go, then the oldest until the rest fit in --retain-size and
  at least 10% of the filesystem is free. A full or failing card (ENOSPC,
  EIO) stops the file, deletes the oldest and goes on in a new one; an
  unwritable --record-dir at start is an error (exit 1); later it is logged
  and retried while the stream goes on.

HTTP
  Browsers and dashboards, on --http (default port 8080), from the frames
  already encoded for viewers (no second encode):
    /             live page: the picture, fps, size, viewers, latency,
                  source state, fullscreen and snapshot buttons
    /stream.mjpg  MJPEG (multipart/x-mixed-replace); a slow browser skips
                  frames, it never queues them: <img src="http://PI:8080/stream.mjpg">
    /snapshot.jpg the newest frame
    /api/status   JSON: source and state, size, fps, viewers, bytes, drops,
                  gzip, uptime, version, SoC temperature
    /health       200 while the source delivers, 503 with the reason if not
  GET and HEAD only, HTTP/1.0 and 1.1 only; requests over 8 KiB or slower
  than 5 s are cut off.
  Every page but /health asks for the pairing key: people get a login form
  (/login) and a session cookie; tools send it as an HTTP Basic password
  with any user name: curl -u :KEY http://PI:8080/snapshot.jpg
  With --https-cert and --https-key the port speaks only HTTPS (TLS 1.2 or
  later; on 1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305), so the key
  never crosses the network in the clear.
  Against DNS rebinding, requests are answered only when their Host is an IP
  address, localhost, a name ending in .local, this machine's host name, or
  a name given with --http-host (repeatable; in the config file
  http-host = ["camera.example.org"]); any other Host gets
  421 Misdirected Request.

PAIRING KEY
  Made on first start, 160 random bits written as 32 characters like
  ABCD-EFGH-..., in --key-file (default: $STATE_DIRECTORY/pairing.key under
  systemd, which is /var/lib/pistream/pairing.key, else
  ~/.local/state/pistream/pairing.key), readable by the server's user only.
  --show-key prints it (making it if needed); on the Pi:
      sudo pistream-server --show-key --key-file /var/lib/pistream/pairing.key
  Viewers give it once (pistream-viewer --key KEY HOST; it is remembered),
  browsers type it into the login form.
  The stream port speaks TLS 1.3 authenticated by the key (a pre-shared key
  with ECDHE: no certificates, forward secrecy). A peer without the key gets
  nothing but the handshake, which it cannot finish. Handshakes must finish
  within 5 s; at most 16 run at once, 4 from one address; after 3 failures
  in a row an address waits 1 s, then 2, 4 ... up to 60 s between attempts.
  Failed attempts are logged with the address: the first 3 in full, then as
  a count every 10 s while they go on (never a line per try in a flood).
  Delete the file and restart for a new key: every viewer and browser must
  then be given the new one. The file's first line is the key (CR LF line
  ends and a UTF-8 byte order mark are fine); a directory, FIFO or dangling
  link is refused (exit 1), and a file other users may read is used with a
  warning to chmod 600 it. The server takes its key from this file only,
  never from the command line, where /proc/PID/cmdline and ps would show it
  to every user of the machine.
  --insecure: plain TCP and no key for browsers, for loopback, trusted
  networks and old viewers; on any other address the server warns loudly.

GZIP
  off           send JPEGs as they are
  auto          gzip at level 1 while it saves at least --gzip-min-saving (10%);
                when it stops paying, send plain JPEGs and probe again every 90
                frames (default). JPEG is already compressed: on camera footage
                gzip saves a few percent for over half the encode's CPU; on flat
                synthetic scenes it saves a third or more
  1..9          always gzip at this level

LATENCY
  Each frame is encoded once for all viewers, as soon as it is captured, in
  --encode-threads horizontal strips at once (default: one per core, at most
  4), joined into one standard JPEG with restart markers. A viewer gets the
  newest frame: one that cannot keep up skips frames (--queue, --send-buffer)
  instead of falling behind, so its picture is never older than a few frames.

ADAPTING TO THE LINK
  --adapt framerate (default) keeps each viewer and browser at the source's
  frame rate on a weak link by sending it a smaller encoding of the same
  frame: the ladder is full, lower quality (--adapt-quality), half size,
  half size at lower quality. The server watches each connection's TCP_INFO
  (delivery rate) and skipped frames: it steps down within about a second of
  the link falling and up again after 4 s of headroom. Each rung in use is
  encoded once per frame for everyone on it, only while someone is on it.
  --adapt quality or off: always full quality, frames skipped on a slow
  link (the behaviour before 1.2). A viewer may choose for itself
  (pistream-viewer --adapt). Recording and publishing always get full
  quality; MJPEG and broker sources pass their JPEGs through at one rung.

PUBLISHING
  --publish URL sends each frame's JPEG (as encoded for viewers, never
  re-encoded) to a message broker too; repeat it for several:
    mqtt://[USER[:PASS]@]HOST[:PORT]/TOPIC[?format=jpeg|base64&fps=N&qos=0|1&protocol=5]
                  libmosquitto, port 1883. format=jpeg (default): the raw
                  JPEG, what Home Assistant's MQTT camera reads; base64: its
                  base64 text, what Python MQTT streamers send and read.
                  MQTT 3.1.1 unless protocol=5: MQTT 5 (the broker must
                  speak it), the same payload with user properties
                  sequence, capture_time (Unix us), width and height;
                  pistream-viewer shows latency from them
    redis://HOST[:PORT]/CHANNEL[?fps=N]
                  hiredis, port 6379: PUBLISH of the MXCuBE video-streamer's
                  JSON, {"data": base64 JPEG, "size": [height, width],
                  "time": "HH:MM:SS.ffffff", "frame_number": N}
    kafka://BROKER[:PORT][,BROKER[:PORT]...]/TOPIC[?fps=N]
                  librdkafka, port 9092: key = this host's name, value =
                  the JPEG, headers sequence, capture_time (µs since the
                  epoch), width, height; 5 ms linger, a bounded queue
  fps=N sends at most N frames a second (default: every frame). A publisher
  never slows the camera or the viewers: it keeps its newest 4 frames and
  drops the oldest when the broker is slow; when the broker is away it
  reconnects (0.25 s doubling to 4 s) and streaming to viewers goes on. It
  makes the camera encode only while its broker is connected. /api/status
  ("publishers") and the stats line count frames published and dropped and
  reconnections; broker errors are logged at most every 30 s.

TELLING PEOPLE
  --mqtt mqtt://[USER[:PASS]@]HOST[:PORT][/PREFIX] puts the camera on an MQTT
  broker for Home Assistant (no YAML: its MQTT discovery finds a motion
  sensor and a snapshot camera) and anything else that reads MQTT. Topics,
  with PREFIX "pistream" and ID the --name in lower case:
    PREFIX/ID/available  online / offline (retained; offline is also the last
                         will, so a kill -9 or a power cut shows)
    PREFIX/ID/motion     ON / OFF (retained)
    PREFIX/ID/events     JSON: {"type": "new"|"update"|"end", "camera", "id",
                         "startMs", "endMs", "score", "box": [x, y, w, h]}
    PREFIX/ID/snapshot   the JPEG at each event's start (retained)
    homeassistant/binary_sensor/pistream_ID/motion/config,
    homeassistant/camera/pistream_ID/snapshot/config   discovery (retained)
  A broker that is down or goes away never stops the camera: it is tried
  again (0.25 s doubling to 4 s), the retained state is sent again on every
  connection, and the newest 16 messages wait meanwhile.
  --webhook URL POSTs the same event JSON (types new and end) when motion
  starts and ends: 5 s timeout, 3 attempts 1 s then 2 s apart, 16 events
  queued at most; a receiver that is down costs nothing else.
  Both turn --motion on.

DISCOVERY
  The server announces itself on the LAN through avahi-daemon (mDNS/DNS-SD):
  _pistream._tcp on the stream port and _http._tcp (_https._tcp with
  --https-cert) on the browser port, under --name (default: the host name).
  The TXT records say v= (protocol version), name=, size=WxH, fps=, key=yes
  or no (whether the pairing key is needed), http=PORT and https=yes or no.
  pistream-viewer --list, or with no host, finds it; so does
  avahi-browse -r _pistream._tcp. A name already taken on the LAN is
  announced as "NAME #2". Without avahi-daemon the server logs one warning
  and streams as usual; it announces when the daemon (re)starts. A server
  listening on a loopback address, or run with --no-announce, is not
  announced. The name is also in /api/status ("name"), the page title and
  the stream's hello (protocol 1.1), which viewers show.

CONFIG FILE
  --config FILE reads TOML whose keys are the long flag names, e.g.
      source = "test"
      listen = "0.0.0.0:8485"
      size = "1280x720"
      fps = 30
      gzip = "auto"
      name = "Garden"
      publish = ["mqtt://broker/cam?fps=1", "redis://lab/cam"]
  Flags given on the command line win over the file. Unknown keys are errors.

SIGNALS
  SIGINT, SIGTERM  stop accepting, say bye to every viewer, exit 0 within a second

SYSTEMD
  Run as a Type=notify service (systemd/pistream-server.service) it reports
  READY=1 once it listens and the source has produced a frame, STATUS= lines
  with viewers and fps, and WATCHDOG=1 only while frames flow, so WatchdogSec=
  restarts a server whose capture hung.

EXIT STATUS
  0  stopped by a signal
  1  could not start: port in use, unreadable or malformed file, no camera,
     camera busy or a control out of its range; --list-cameras: none found
  2  bad command line or config file

EXAMPLES
  pistream-server                                   camera (else test pattern) on
                                                    port 8485, browsers on 8080
  pistream-server --list-cameras
  pistream-server --show-key
  pistream-server --source camera --size 1920x1080 --fps 30 --rotation 180
  pistream-server --source camera:1 --shutter 10000 --gain 2 --awb daylight
  pistream-server --source y4m:clip.y4m --quality 85
  pistream-server --source mqtt://broker.lan/lab/cam1    JPEGs from an MQTT topic
  pistream-server --listen 127.0.0.1:9000 --size 640x480 --fps 60 --gzip off
  pistream-server --publish "mqtt://broker/home/pi-cam?fps=1"
  pistream-server --mqtt mqtt://homeassistant.local --motion-area 0.01
  pistream-server --record motion --record-dir /srv/cam --retain-size 8G
  pistream-server --name "Garden"                  found as Garden by pistream-viewer --list
)";

void addCameraOptions(CLI::App& app, CameraSettings& camera)
{
    const char* group = "CAMERA (see CAMERA CONTROLS)";
    app.add_flag("--hflip", camera.hflip, "mirror the picture left to right")->group(group);
    app.add_flag("--vflip", camera.vflip, "flip the picture upside down")->group(group);
    app.add_option("--rotation", camera.rotation, "rotate the picture: 0 or 180 degrees")
        ->type_name("DEG")
        ->check(CLI::IsMember({0, 180}).description(""))
        ->group(group);
    app.add_option("--shutter", camera.shutterMicros,
                   "fixed exposure time in microseconds; 0: automatic")
        ->type_name("US")
        ->check(CLI::Range(0.0, 1e9).description(""))
        ->group(group);
    app.add_option("--gain", camera.gain, "fixed analogue gain, e.g. 1.0 to 16; 0: automatic")
        ->type_name("G")
        ->check(CLI::Range(0.0, 1e6).description(""))
        ->group(group);
    app.add_option("--awb", camera.awb, "white balance mode (see CAMERA CONTROLS)")
        ->type_name("MODE")
        ->check(CLI::IsMember(std::vector<std::string>(std::begin(kAwbModes), std::end(kAwbModes)))
                    .description(""))
        ->group(group);
    app.add_option("--brightness", camera.brightness,
                   "-1.0 (dark) to 1.0 (bright); camera default 0")
        ->type_name("B")
        ->group(group);
    app.add_option("--contrast", camera.contrast, "0 and up; camera default 1.0")
        ->type_name("C")
        ->group(group);
    app.add_option("--sharpness", camera.sharpness, "0 and up; camera default 1.0")
        ->type_name("S")
        ->group(group);
    app.add_option("--camera-format", camera.format,
                   "auto, yuv420, mjpeg or yuyv (see CAMERA CONTROLS)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember(
                    std::vector<std::string>(std::begin(kCameraFormats), std::end(kCameraFormats)))
                    .description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--autofocus-mode", camera.autofocus,
                   "manual, auto or continuous (Camera Module 3)")
        ->type_name("MODE")
        ->check(CLI::IsMember(std::vector<std::string>(std::begin(kAfModes), std::end(kAfModes)))
                    .description(""))
        ->group(group);
}

// The motion options; masks and the gap are turned into the config after parsing.
struct MotionFlags {
    std::vector<std::string> masks;
    double gapSeconds = 30;
};

void addMotionOptions(CLI::App& app, MotionMonitorConfig& motion, MotionFlags& flags)
{
    const char* group = "Motion detection (see MOTION)";
    app.add_flag("--motion", motion.enabled,
                 "detect motion, whether or not anyone watches (the pipeline then encodes "
                 "every frame)")
        ->group(group);
    app.add_option("--motion-area", motion.detector.minArea,
                   "fraction of the watched picture that must change (0.0001..0.4)")
        ->type_name("F")
        ->check(CLI::Range(0.0001, 0.4).description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--motion-mask", flags.masks,
                   "ignore:X,Y X,Y X,Y ... or watch:...: a polygon in 0..1 coordinates; "
                   "repeatable")
        ->type_name("MASK")
        ->group(group);
    app.add_option("--motion-min-frames", motion.events.minFrames,
                   "analysed frames with motion in a row before an event starts (1..100)")
        ->type_name("N")
        ->check(CLI::Range(1, 100).description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--motion-every", motion.detector.everyNth,
                   "analyse every Nth frame (1..30): less CPU at high frame rates")
        ->type_name("N")
        ->check(CLI::Range(1, 30).description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--event-gap", flags.gapSeconds,
                   "seconds without motion that end an event (1..3600)")
        ->type_name("S")
        ->check(CLI::Range(1.0, 3600.0).description(""))
        ->capture_default_str()
        ->group(group);
}

// The recording options; durations and sizes are turned into the config after parsing.
struct RecordFlags {
    std::string mode = "off";
    double preRoll = 5;
    double postRoll = 5;
    double segment = 300;
    std::string retainSize;
};

std::chrono::milliseconds millis(double seconds)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::lround(seconds * 1000)));
}

void addRecordOptions(CLI::App& app, RecorderConfig& record, RecordFlags& flags)
{
    const char* group = "Recording (see RECORDING)";
    app.add_option("--record", flags.mode, "off, motion (a clip per event) or continuous")
        ->type_name("MODE")
        ->check(CLI::IsMember({"off", "motion", "continuous"}).description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--record-dir", record.dir, "where clips, thumbnails and the index go")
        ->type_name("DIR")
        ->capture_default_str()
        ->group(group);
    app.add_option("--pre-roll", flags.preRoll, "seconds kept before an event (0..60)")
        ->type_name("S")
        ->check(CLI::Range(0.0, 60.0).description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--post-roll", flags.postRoll, "seconds recorded after an event (0..600)")
        ->type_name("S")
        ->check(CLI::Range(0.0, 600.0).description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--segment", flags.segment,
                   "seconds per file in continuous recording (1..86400)")
        ->type_name("S")
        ->check(CLI::Range(1.0, 86400.0).description(""))
        ->capture_default_str()
        ->group(group);
    app.add_option("--retain-size", flags.retainSize,
                   "at most this much recorded, e.g. 8G or 500M; the oldest go first")
        ->type_name("SIZE")
        ->group(group);
    app.add_option("--retain-days", record.retention.maxDays,
                   "delete recordings older than this (0: keep; 1..36500)")
        ->type_name("N")
        ->check(CLI::Range(0, 36500).description(""))
        ->capture_default_str()
        ->group(group);
}

} // namespace

std::optional<int> parseServerOptions(int argc, const char* const* argv, ServerOptions& options)
{
    CLI::App app(kDescription, "pistream-server");
    app.footer(kFooter);
    app.get_formatter()->column_width(34);
    app.get_formatter()->label("REQUIRED", "(required)");
    app.set_version_flag("--version", std::string("pistream-server ") + kVersion);
    addTomlConfig(app, "read settings from a TOML file (see CONFIG FILE)");

    std::string size = "1280x720";
    std::string listen = "0.0.0.0:" + std::to_string(kDefaultPort);
    std::string gzip = "auto";
    std::string strategy = "default";
    double stallSeconds = 10;
    int queue = 2;

    app.add_option("-s,--source", options.source.spec,
                   "what to stream: auto, camera[:N|:ID], test, y4m:PATH, mjpeg:PATH, "
                   "mqtt://HOST/TOPIC, redis://HOST/CHANNEL or kafka://BROKER/TOPIC (see "
                   "SOURCES)")
        ->type_name("SRC")
        ->capture_default_str();
    app.add_option("-l,--listen", listen, "ADDR:PORT to accept viewers on; [::]:PORT for IPv6")
        ->type_name("ADDR:PORT")
        ->capture_default_str();
    std::string http = "0.0.0.0:" + std::to_string(kDefaultHttpPort);
    app.add_option("--http", http, "ADDR:PORT for browsers (see HTTP), or off")
        ->type_name("ADDR:PORT")
        ->capture_default_str();
    app.add_option("--key-file", options.keyFile,
                   "the pairing key (see PAIRING KEY); made on first start")
        ->type_name("PATH");
    auto* cert = app.add_option("--https-cert", options.http.certificateFile,
                                "PEM certificate (chain): the HTTP port speaks HTTPS")
                     ->type_name("PATH");
    auto* certKey = app.add_option("--https-key", options.http.privateKeyFile,
                                   "PEM private key of --https-cert")
                        ->type_name("PATH");
    app.add_option("--http-host", options.http.hostNames,
                   "another name browsers may use for the HTTP port; repeatable (see HTTP)")
        ->type_name("NAME");
    cert->needs(certKey);
    certKey->needs(cert);
    app.add_flag("--show-key", options.showKey,
                 "print the pairing key (made if missing) and exit; see PAIRING KEY");
    app.add_flag("--insecure", options.insecure,
                 "plain TCP and no pairing key: anyone who reaches the ports can watch");
    auto* sizeOption = app.add_option("--size", size, "picture size of the camera or test pattern")
                           ->type_name("WxH")
                           ->check(sizeValidator().description(""))
                           ->capture_default_str();
    app.add_option("--fps", options.source.fps,
                   "frames per second (0.1..1000); default: the file's own rate, else 30")
        ->type_name("N")
        ->check(CLI::Range(0.1, 1000.0).description(""));
    app.add_option("-q,--quality", options.pipeline.quality, "JPEG quality")
        ->type_name("1..100")
        ->check(CLI::Range(1, 100).description(""))
        ->capture_default_str();
    app.add_option("--encode-threads", options.pipeline.encodeThreads,
                   "threads per JPEG, each encoding a strip: less latency; 0: the cores, at most 4")
        ->type_name("N")
        ->check(CLI::Range(0, 16).description(""))
        ->capture_default_str();
    app.add_option("--gzip", gzip, "off, auto or a level 1..9 (see GZIP)")
        ->type_name("MODE")
        ->capture_default_str();
    double minSaving = 10;
    app.add_option("--gzip-min-saving", minSaving,
                   "auto: gzip only while it saves at least this many percent (0..100)")
        ->type_name("PERCENT")
        ->check(CLI::Range(0.0, 100.0).description(""))
        ->capture_default_str();
    app.add_option("--gzip-strategy", strategy, "zlib strategy: default, filtered, huffman, rle")
        ->type_name("NAME")
        ->check(CLI::IsMember({"default", "filtered", "huffman", "rle"}).description(""))
        ->capture_default_str();
    app.add_option("--max-viewers", options.server.maxViewers,
                   "viewers served at once (1..4096); the next is told it is full")
        ->type_name("N")
        ->check(CLI::Range(1, 4096).description(""))
        ->capture_default_str();
    app.add_option("--queue", queue,
                   "frames queued per viewer or browser (1..16) before older ones are skipped")
        ->type_name("N")
        ->check(CLI::Range(1, 16).description(""))
        ->capture_default_str();
    std::size_t sendBufferKiB = options.server.session.pacing.maxOutstandingBytes / 1024;
    app.add_option(
           "--send-buffer", sendBufferKiB,
           "KiB a viewer or browser may have in flight before frames are skipped for it; lower "
           "means less latency on slow links (16..16384)")
        ->type_name("KIB")
        ->check(CLI::Range(16, 16384).description(""))
        ->capture_default_str();
    std::string adapt = "framerate";
    app.add_option("--adapt", adapt,
                   "framerate, quality or off: what a viewer on a weak link gives up (see "
                   "ADAPTING TO THE LINK)")
        ->type_name("POLICY")
        ->check(CLI::IsMember({"framerate", "quality", "off"}).description(""))
        ->capture_default_str();
    app.add_option("--adapt-quality", options.pipeline.lowerQuality,
                   "JPEG quality of the ladder's lower-quality rungs")
        ->type_name("1..100")
        ->check(CLI::Range(1, 100).description(""))
        ->capture_default_str();
    app.add_option("--stall-timeout", stallSeconds,
                   "seconds (1..3600) a viewer may make no progress before it is dropped")
        ->type_name("S")
        ->check(CLI::Range(1.0, 3600.0).description(""))
        ->capture_default_str();
    app.add_option("--stats-interval", options.statsInterval,
                   "seconds between stats log lines; 0 for none")
        ->type_name("S")
        ->check(CLI::Range(0.0, 86400.0).description(""))
        ->capture_default_str();
    std::string mqtt;
    app.add_option(
           "--mqtt", mqtt,
           "tell Home Assistant (or any MQTT client) about motion: "
           "mqtt://[USER[:PASS]@]HOST[:PORT][/PREFIX]; turns --motion on (see TELLING PEOPLE)")
        ->type_name("URL");
    std::vector<std::string> webhooks;
    app.add_option("--webhook", webhooks,
                   "POST JSON to this http(s) URL when motion starts and ends; repeatable; turns "
                   "--motion on")
        ->type_name("URL")
        ->allow_extra_args(false);
    std::vector<std::string> publish;
    app.add_option("--publish", publish,
                   "also send frames to mqtt://HOST/TOPIC or redis://HOST/CHANNEL; repeatable "
                   "(see PUBLISHING)")
        ->type_name("URL")
        ->allow_extra_args(false);
    app.add_option("--name", options.announce.name,
                   "this camera's name on the LAN, in /api/status and the page title (see "
                   "DISCOVERY); default: the host name")
        ->type_name("NAME");
    bool noAnnounce = false;
    app.add_flag("--no-announce", noAnnounce, "do not announce the camera on the LAN (mDNS)");
    addLogLevel(app, options.logLevel);
    app.add_flag("--list-cameras", options.listCameras,
                 "print each camera's number, id, model, sizes and frame rates, and exit");
    addCameraOptions(app, options.source.camera);
    MotionFlags motion;
    addMotionOptions(app, options.motion, motion);
    RecordFlags record;
    addRecordOptions(app, options.record, record);

    return parseCommandLine(app, argc, argv, [&] {
        for (const std::string& mask : motion.masks)
            options.motion.detector.masks.push_back(parseMotionMask(mask));
        options.motion.events.gap = std::chrono::milliseconds(
            static_cast<std::int64_t>(std::lround(motion.gapSeconds * 1000)));
        options.record.mode = parseRecordMode(record.mode);
        options.record.preRoll.span = millis(record.preRoll);
        options.record.postRoll = millis(record.postRoll);
        options.record.segment = millis(record.segment);
        if (!record.retainSize.empty()) {
            try {
                options.record.retention.maxBytes = parseByteSize(record.retainSize);
            } catch (const std::invalid_argument& error) {
                throw std::invalid_argument(std::string("--retain-size: ") + error.what());
            }
        }
        if (options.record.mode == RecordMode::Motion && !options.motion.enabled) {
            options.motion.enabled = true;
            options.motionForRecord = true;
        }
        parseSize(size, options.source.width, options.source.height);
        options.source.sizeGiven = sizeOption->count() > 0;
        options.server.listen = parseEndpoint(listen, kDefaultPort);
        options.httpEnabled = http != "off";
        if (options.httpEnabled)
            options.http.listen = parseEndpoint(http, kDefaultHttpPort);
        options.announce.enabled = !noAnnounce;
        if (options.announce.name.empty())
            options.announce.name = defaultServiceName();
        else if (const std::string problem = serviceNameProblem(options.announce.name);
                 !problem.empty())
            throw std::invalid_argument("--name " + problem);
        for (const std::string& url : publish)
            options.publish.targets.push_back(parsePublishUrl(url));
        if (!mqtt.empty())
            options.notify.mqtt.emplace().broker = parseMqttNotifyUrl(mqtt);
        for (const std::string& url : webhooks) {
            checkWebhookUrl(url);
            options.notify.webhooks.emplace_back().url = url;
        }
        // Telling people about motion needs motion detection.
        if (options.notify.any())
            options.motion.enabled = true;
        options.pipeline.gzip = GzipSetting::parse(gzip, parseGzipStrategy(strategy));
        options.pipeline.gzip.minSaving = minSaving / 100;
        // One slow-consumer policy for viewers and browsers.
        options.server.session.pacing.maxQueuedFrames = static_cast<std::size_t>(queue);
        options.server.session.pacing.maxOutstandingBytes = sendBufferKiB * 1024;
        options.server.session.pacing.adapt = adapt == "framerate" ? AdaptPolicy::Framerate
                                              : adapt == "quality" ? AdaptPolicy::Quality
                                                                   : AdaptPolicy::Off;
        options.http.pacing = options.server.session.pacing;
        options.server.session.stallTimeout =
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                std::chrono::duration<double>(stallSeconds));
    });
}

} // namespace pistream
