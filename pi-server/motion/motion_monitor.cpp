#include "motion/motion_monitor.h"

#include <nlohmann/json.hpp>

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include "core/clock.h"

namespace pistream {

MotionMonitor::MotionMonitor(asio::io_context& io, FrameHub& hub, EncodePipeline& pipeline,
                             const MotionMonitorConfig& config)
    : io_(io), detector_(config.detector), events_(config.events),
      subscription_(hub.subscribe(*this)), timer_(io)
{
    pipeline.addRawObserver(*this);
}

void MotionMonitor::start()
{
    tick();
}

void MotionMonitor::stop()
{
    timer_.cancel();
    subscription_.reset();
}

void MotionMonitor::onRawFrame(const RawFrame& frame)
{
    const auto start = std::chrono::steady_clock::now();
    auto sample = detector_.analyse(frame);
    if (!sample)
        return;
    sample->sequence = frame.sequence;
    analysisMicros_ += std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    ++analysed_;
    asio::post(io_, [this, sample = *sample] { onSample(sample); });
}

void MotionMonitor::onSample(const MotionSample& sample)
{
    lastScore_ = sample.score;
    if (sample.lightChange) {
        ++lightChanges_;
        spdlog::debug("motion: the whole picture changed ({:.0f}%): light, not motion; "
                      "background re-learnt",
                      100 * sample.score);
    }
    record(events_.update(sample, std::chrono::steady_clock::now()));
    for (MotionListener* listener : listeners_)
        listener->onMotionSample(sample);
}

void MotionMonitor::tick()
{
    record(events_.tick(std::chrono::steady_clock::now()));
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](const std::error_code& error) {
        if (!error)
            tick();
    });
}

void MotionMonitor::record(MotionEvents::Change change)
{
    if (change == MotionEvents::Change::Started) {
        lastEvent_ = {lastEvent_.id + 1, unixMillis(), std::nullopt, events_.peakScore(),
                      events_.peakBox()};
        const auto& box = lastEvent_.box;
        spdlog::info("motion: event {} started ({:.1f}% of the picture, at {:.2f},{:.2f} "
                     "size {:.2f}x{:.2f})",
                     lastEvent_.id, 100 * lastEvent_.score, box[0], box[1], box[2], box[3]);
    } else if (change == MotionEvents::Change::Ended) {
        lastEvent_.endMs = unixMillis();
        lastEvent_.score = events_.peakScore();
        lastEvent_.box = events_.peakBox();
        spdlog::info("motion: event {} ended after {:.1f} s (peak {:.1f}%)", lastEvent_.id,
                     static_cast<double>(*lastEvent_.endMs - lastEvent_.startMs) / 1000,
                     100 * lastEvent_.score);
    } else if (events_.active() && events_.peakScore() > lastEvent_.score) {
        lastEvent_.score = events_.peakScore();
        lastEvent_.box = events_.peakBox();
    } else {
        return;
    }
    for (MotionListener* listener : listeners_)
        listener->onMotionEvent(lastEvent_, change);
}

nlohmann::json MotionMonitor::status() const
{
    const std::uint64_t analysed = analysed_.load();
    nlohmann::json json = {
        {"active", events_.active()},
        {"score", lastScore_},
        {"events", lastEvent_.id},
        {"lightChanges", lightChanges_},
        {"analysedFrames", analysed},
        {"analysisMsPerFrame", analysed ? static_cast<double>(analysisMicros_.load()) / 1000.0 /
                                              static_cast<double>(analysed)
                                        : 0.0},
        {"lastEvent", nullptr},
    };
    if (lastEvent_.id > 0)
        json["lastEvent"] = {{"id", lastEvent_.id},
                             {"startMs", lastEvent_.startMs},
                             {"endMs", lastEvent_.endMs ? nlohmann::json(*lastEvent_.endMs)
                                                        : nlohmann::json(nullptr)},
                             {"score", lastEvent_.score},
                             {"box", lastEvent_.box}};
    return json;
}

} // namespace pistream
