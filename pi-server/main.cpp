// pistream-server: constructs the source, the encode pipeline, the frame hub and
// its consumers (stream port, browser port) and the reports, and connects them.

#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "core/log.h"
#include "core/version.h"
#include "discovery/service_announcer.h"
#include "hub/frame_hub.h"
#include "motion/motion_monitor.h"
#include "record/event_recorder.h"
#include "security/pairing_key.h"
#include "server_options.h"
#include "sources/broker_source.h"
#include "sources/camera_backend.h"
#include "sources/source_supervisor.h"
#include "telemetry/service_notifier.h"
#include "telemetry/stats_reporter.h"
#include "telemetry/status_report.h"

using namespace pistream;

namespace {

// --list-cameras: exit 0 when there is a camera, 1 when there is none.
int printCameras()
{
    const std::vector<CameraDescription> cameras = listCameras();
    std::fputs(formatCameraList(cameras, libcameraVersion()).c_str(), stdout);
    return cameras.empty() ? 1 : 0;
}

std::filesystem::path keyPath(const std::string& keyFile)
{
    return keyFile.empty() ? defaultPairingKeyPath() : std::filesystem::path(keyFile);
}

// --show-key: the key alone on stdout (easy to copy or pipe), where it lives on stderr.
int showKey(const std::string& keyFile)
{
    const auto path = keyPath(keyFile);
    bool created = false;
    std::string warning;
    const std::string key = loadOrCreatePairingKey(path, created, warning);
    if (!warning.empty())
        std::fprintf(stderr, "pistream-server: %s\n", warning.c_str());
    std::printf("%s\n", key.c_str());
    std::fprintf(stderr, "pistream-server: pairing key %s %s\n", created ? "made in" : "from",
                 path.c_str());
    return 0;
}

// The pairing key, made on first start. Shown in full only on a terminal; a
// log (the journal) gets where it is.
std::string pairingKey(const std::string& keyFile)
{
    const auto path = keyPath(keyFile);
    bool created = false;
    std::string warning;
    std::string key = loadOrCreatePairingKey(path, created, warning);
    if (!warning.empty())
        spdlog::warn("{}", warning);
    if (isatty(STDERR_FILENO))
        spdlog::info("pairing key {}{} (in {})", key, created ? ", new" : "", path.string());
    else
        spdlog::info("pairing key {}in {}", created ? "made, " : "", path.string());
    return key;
}

nlohmann::json brokerStatus(const BrokerSourceStats& stats)
{
    return {{"frames", stats.frames},         {"bad", stats.bad},
            {"skipped", stats.skipped},       {"oversized", stats.oversized},
            {"reconnects", stats.reconnects}, {"lastError", stats.lastError}};
}

// What the LAN is told (mDNS): nothing when the ports are loopback only.
std::unique_ptr<ServiceAnnouncer> announcerFor(const ServerOptions& options,
                                               const asio::ip::tcp::endpoint& stream,
                                               const HttpServer* http, const StreamFormat& format)
{
    if (!options.announce.enabled)
        return nullptr;
    if (stream.address().is_loopback()) {
        spdlog::info("not announced on the network: listening on {} only",
                     stream.address().to_string());
        return nullptr;
    }
    Announcement announcement;
    announcement.name = options.announce.name;
    announcement.streamPort = stream.port();
    announcement.ipv4Only = stream.address().is_v4();
    if (http && !http->localEndpoint().address().is_loopback()) {
        announcement.httpPort = http->localEndpoint().port();
        announcement.https = http->https();
    }
    announcement.keyNeeded = !options.insecure;
    announcement.width = static_cast<unsigned>(format.width);
    announcement.height = static_cast<unsigned>(format.height);
    announcement.fpsNumerator = format.fpsNumerator;
    announcement.fpsDenominator = format.fpsDenominator;
    return std::make_unique<ServiceAnnouncer>(std::move(announcement));
}

Hello helloFor(const StreamFormat& format, const std::string& name)
{
    Hello hello;
    hello.name = name; // 1.1: viewers show it
    hello.width = static_cast<std::uint16_t>(format.width);
    hello.height = static_cast<std::uint16_t>(format.height);
    hello.fpsNumerator = format.fpsNumerator;
    hello.fpsDenominator = format.fpsDenominator;
    return hello;
}

} // namespace

int main(int argc, char** argv)
{
    ServerOptions options;
    if (const auto exitCode = parseServerOptions(argc, argv, options))
        return *exitCode;

    try {
        initLogging(options.logLevel, "server");
        if (options.listCameras)
            return printCameras();
        if (options.showKey)
            return showKey(options.keyFile);
        // One key for the stream and the browser side.
        if (!options.insecure) {
            options.server.pairingKey = pairingKey(options.keyFile);
            options.http.pairingKey = options.server.pairingKey;
        }
        // Decided once: a camera that vanishes later is waited for, not
        // swapped for the test pattern.
        options.source.spec = resolveSourceSpec(options.source.spec);
        // The source is watched: if it stops delivering it is reopened, and
        // viewers are told it is down meanwhile.
        // A broker source reconnects by itself and says when it is down.
        std::unique_ptr<FrameSource> source =
            keepsItselfAlive(options.source.spec)
                ? openSource(options.source)
                : std::make_unique<SourceSupervisor>(openSource(options.source), [&options] {
                      return openSource(options.source);
                  });
        const StreamFormat format = source->format();

        // One direction: source -> pipeline -> hub -> consumers -> telemetry -> reports.
        asio::io_context io(1);
        FrameHub hub(io);
        EncodePipeline pipeline(*source, options.pipeline, hub);
        StreamServer server(io, hub, options.server, helloFor(format, options.announce.name));
        server.start();
        // Brokers (--publish): more subscribers of the hub, each with its own thread.
        Publishers publishers(io, hub, options.publish);
        // Recording (--record): a hub subscriber with its own writing thread.
        std::unique_ptr<EventRecorder> recorder;
        if (options.record.mode != RecordMode::Off)
            recorder = std::make_unique<EventRecorder>(io, hub, options.record);
        // Reports: views of one telemetry snapshot.
        Telemetry telemetry(pipeline, server, &publishers, recorder.get());
        StatusReport status(telemetry, source->describe(), format);
        // Motion: a raw-frame observer of the pipeline and a hub subscriber.
        std::unique_ptr<MotionMonitor> motion;
        if (options.motion.enabled)
            motion = std::make_unique<MotionMonitor>(io, hub, pipeline, options.motion);
        // Telling people: viewers (EVENT), --mqtt, --webhook: listeners of the motion monitor.
        Notifiers notifiers(hub, options.announce.name, options.notify);
        if (motion) {
            motion->addListener(server);
            notifiers.attach(*motion);
            if (recorder)
                motion->addListener(*recorder);
        }
        // Browsers: the same encoded frames, on their own port.
        std::unique_ptr<HttpServer> http;
        if (recorder)
            options.http.events = recorder->eventFiles(); // /api/events, /events/ID/...
        if (options.httpEnabled) {
            // A broker source's message counts (bad, skipped...) under "source".
            const auto* broker = dynamic_cast<const BrokerSource*>(source.get());
            http = std::make_unique<HttpServer>(
                io, hub, options.http, [&status, &motion, &recorder, &notifiers, &options, broker] {
                    auto json = status.build();
                    json["name"] = options.announce.name;
                    if (motion)
                        json["motion"] = motion->status();
                    if (recorder)
                        json["recording"] = recorder->status();
                    json["notifiers"] = notifiers.status();
                    if (broker)
                        json["source"]["messages"] = brokerStatus(broker->stats());
                    return json;
                });
            http->start();
        }
        // The LAN learns where both ports are (mDNS), on Avahi's own thread.
        std::unique_ptr<ServiceAnnouncer> announcer =
            announcerFor(options, server.localEndpoint(), http.get(), format);
        StatsReporter stats(io, std::chrono::duration<double>(options.statsInterval), telemetry);
        ServiceNotifier service(io, telemetry, source->describe());

        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const std::error_code& error, int signal) {
            if (error)
                return;
            spdlog::info("{}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
            stats.stop();
            service.stop();
            if (announcer)
                announcer->stop();
            if (motion)
                motion->stop();
            if (recorder)
                recorder->stop();
            notifiers.stop();
            pipeline.stop();
            server.stop();
            publishers.stop();
            if (http)
                http->stop();
        });

        const auto where = server.localEndpoint();
        spdlog::info("pistream-server {} listening on {}:{}", kVersion, where.address().to_string(),
                     where.port());
        spdlog::info("source: {}; JPEG quality {} on {} thread{}; gzip {}", source->describe(),
                     options.pipeline.quality, pipeline.encodeThreads(),
                     pipeline.encodeThreads() == 1 ? "" : "s", options.pipeline.gzip.toString());
        if (options.insecure && !where.address().is_loopback())
            spdlog::warn("--insecure: the stream on port {} is UNENCRYPTED and open to ANYONE who "
                         "can reach this address; drop --insecure to require the pairing key, or "
                         "use --listen 127.0.0.1:{} to keep it local",
                         where.port(), where.port());
        else if (!options.insecure)
            spdlog::info("stream: TLS 1.3 with the pairing key ({})",
                         PskTls::preferredCipherSuites());
        if (http) {
            const auto web = http->localEndpoint();
            spdlog::info("browsers: {}://{}:{}/ (stream.mjpg, snapshot.jpg, api/status, health)",
                         http->https() ? "https" : "http", web.address().to_string(), web.port());
            if (options.insecure && !web.address().is_loopback())
                spdlog::warn("--insecure: the web page and MJPEG stream have no password; anyone "
                             "who can reach port {} sees the camera",
                             web.port());
        }
        if (options.motionForRecord)
            spdlog::info("--record motion: motion detection turned on (--motion)");
        if (recorder)
            spdlog::info("recording {} to {} (pre-roll {:.1f} s, post-roll {:.1f} s)",
                         options.record.mode == RecordMode::Motion ? "motion events"
                                                                   : "continuously",
                         options.record.dir.string(),
                         static_cast<double>(options.record.preRoll.span.count()) / 1000,
                         static_cast<double>(options.record.postRoll.count()) / 1000);
        if (motion)
            motion->start();
        if (recorder)
            recorder->start();
        notifiers.start();
        if (announcer)
            announcer->start();
        pipeline.start();
        publishers.start();
        stats.start();
        service.start();
        io.run();
        spdlog::info("stopped");
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "pistream-server: %s\n", error.what());
        return 1;
    }
}
