#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "hub/frame_hub.h"
#include "motion/motion_detector.h"
#include "pipeline/encode_pipeline.h"

namespace pistream {

struct MotionMonitorConfig {
    bool enabled = false; // --motion
    MotionConfig detector;
    MotionEventConfig events;
};

// One motion event as far as it is known (the last one, for /api/status).
struct MotionEventRecord {
    std::uint64_t id = 0;              // counts from 1 since start
    std::int64_t startMs = 0;          // Unix time
    std::optional<std::int64_t> endMs; // none while it lasts
    double score = 0;                  // the peak
    std::array<double, 4> box{};
};

// Told on the io thread about motion events: clips, MQTT, webhooks, the
// stream's EVENT message. Must not block.
class MotionListener {
public:
    // Started and Ended once per event; None while it lasts, each time its peak
    // score grows (the box and score are the peak's).
    virtual void onMotionEvent(const MotionEventRecord& event, MotionEvents::Change change) = 0;
    // Every analysed frame (for a thumbnail of the frame with the most motion).
    virtual void onMotionSample(const MotionSample& sample) { (void)sample; }

protected:
    ~MotionListener() = default;
};

// Motion detection on the server: a raw-frame observer of the pipeline (the
// detector runs on the encode thread, on the planes the encoder just used,
// before the camera's buffer goes back) and a subscriber of the hub that
// keeps the pipeline encoding whether or not anyone watches. Samples go to
// the io thread, where events start and end (and a one-second tick ends an
// event when frames stop coming). Later consumers of events (clips, MQTT)
// hang off this class.
class MotionMonitor final : public RawFrameObserver, public FrameSubscriber {
public:
    MotionMonitor(asio::io_context& io, FrameHub& hub, EncodePipeline& pipeline,
                  const MotionMonitorConfig& config);

    // Before start(); the listener outlives the monitor's run. io thread.
    void addListener(MotionListener& listener) { listeners_.push_back(&listener); }
    void start(); // io thread
    void stop();

    // RawFrameObserver: encode thread.
    void onRawFrame(const RawFrame& frame) override;
    // FrameSubscriber: io thread; frames are only asked for, not used.
    void onFrame(const EncodedFramePtr&) override {}
    void onSourceStatus(const SourceStatus&) override {}

    // For /api/status: io thread.
    nlohmann::json status() const;
    bool active() const { return events_.active(); }
    std::uint64_t eventCount() const { return lastEvent_.id; }

private:
    void onSample(const MotionSample& sample);
    void record(MotionEvents::Change change);
    void tick();

    asio::io_context& io_;
    std::vector<MotionListener*> listeners_;
    MotionDetector detector_; // encode thread only
    MotionEvents events_;     // io thread only
    FrameHub::Subscription subscription_;
    asio::steady_timer timer_;
    MotionEventRecord lastEvent_;
    double lastScore_ = 0;
    std::uint64_t lightChanges_ = 0;
    std::atomic<std::uint64_t> analysed_{0};
    std::atomic<std::int64_t> analysisMicros_{0};
};

} // namespace pistream
