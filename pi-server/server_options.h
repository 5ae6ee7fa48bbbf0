#pragma once

#include <optional>
#include <string>

#include "discovery/announcement.h"
#include "http/http_server.h"
#include "motion/motion_monitor.h"
#include "notify/notifiers.h"
#include "pipeline/encode_pipeline.h"
#include "publish/publishers.h"
#include "record/event_recorder.h"
#include "server/stream_server.h"
#include "sources/source_factory.h"

namespace pistream {

// Everything pistream-server can be told, one small config per component.
struct ServerOptions {
    SourceConfig source;
    StreamServerConfig server;
    HttpServerConfig http;
    bool httpEnabled = true; // --http off turns the browser side off
    std::string keyFile;     // the pairing key; "" for the default place
    bool insecure = false;   // no pairing key asked anywhere
    PipelineConfig pipeline;
    MotionMonitorConfig motion;
    RecorderConfig record;        // --record and its flags
    bool motionForRecord = false; // --record motion turned --motion on
    PublishConfig publish;        // --publish: brokers that get every frame too
    NotifyConfig notify;          // --mqtt, --webhook: told about motion events
    AnnounceConfig announce;      // --name, --no-announce: mDNS on the LAN
    double statsInterval = 10;    // seconds; 0 turns the periodic stats line off
    std::string logLevel = "info";
    bool listCameras = false; // print the cameras and exit
    bool showKey = false;     // print the pairing key and exit
};

// Parses the command line and the --config file. On --help, --version or a
// usage error it prints what is due and returns the exit code (0 or 2);
// otherwise it fills `options` and returns nothing.
std::optional<int> parseServerOptions(int argc, const char* const* argv, ServerOptions& options);

} // namespace pistream
