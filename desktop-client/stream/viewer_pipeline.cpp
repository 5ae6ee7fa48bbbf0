#include "stream/viewer_pipeline.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include "connection/broker_feed.h"
#include "core/clock.h"
#include "core/printable_text.h"

namespace pistream {

namespace {

constexpr auto kTick = std::chrono::milliseconds(250);

constexpr std::uint64_t kLoggedSkips = 5; // per connection, then one line in 100

// A server's Unix time in ms as this machine's local clock time, HH:MM:SS.
std::string localClockTime(std::int64_t unixMillis)
{
    const std::time_t seconds = static_cast<std::time_t>(unixMillis / 1000);
    std::tm local{};
    if (unixMillis < 0 || !localtime_r(&seconds, &local))
        return "--:--:--";
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

} // namespace

std::string describeFrameRate(std::uint32_t numerator, std::uint32_t denominator)
{
    if (numerator == 0 || denominator == 0)
        return "unknown fps";
    return fmt::format("{:.2f} fps", static_cast<double>(numerator) / denominator);
}

const char* nameOf(LinkState state)
{
    switch (state) {
    case LinkState::Connecting:
        return "connecting";
    case LinkState::Live:
        return "live";
    case LinkState::Stalled:
        return "stalled";
    case LinkState::SourceDown:
        return "source down";
    case LinkState::Reconnecting:
        return "reconnecting";
    case LinkState::WrongKey:
        return "wrong key";
    case LinkState::Ended:
        return "ended";
    }
    return "?";
}

ViewerPipeline::ViewerPipeline(const PipelineConfig& config)
    : config_(config), serverName_(config.client.broker ? config.client.broker->describeSource()
                                                        : config.client.server.toString()),
      retryTimer_(io_), tickTimer_(io_), decoder_(config.client.decodeThreads, config.client.limits)
{}

ViewerPipeline::~ViewerPipeline()
{
    stop();
}

void ViewerPipeline::run()
{
    begin();
    io_.run();
}

void ViewerPipeline::start()
{
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] {
        begin();
        io_.run();
    });
}

void ViewerPipeline::stop(const std::string& reason)
{
    // On the pipeline's thread (a sink that is done) it ends at once, so no
    // later frame of the same read is counted or handed on.
    asio::dispatch(io_, [this, reason] {
        if (client_)
            client_->stop(reason);
        end(reason, false);
    });
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
        thread_.join();
}

LinkStatus ViewerPipeline::status() const
{
    std::lock_guard lock(mutex_);
    return status_;
}

const ClockSync& ViewerPipeline::clock() const
{
    return client_ ? client_->clock() : noClock_;
}

std::optional<std::int64_t> ViewerPipeline::roundTripMicros() const
{
    return client_ ? client_->roundTripMicros() : std::nullopt;
}

void ViewerPipeline::begin()
{
    connect();
    tick();
}

void ViewerPipeline::connect()
{
    FeedHandlers handlers;
    handlers.onHello = [this](const Hello& hello) {
        onHello(hello);
    };
    handlers.onFrame = [this](const ReceivedFrame& frame) {
        onFrame(frame);
    };
    handlers.onStatus = [this](const Status& status) {
        onStatus(status);
    };
    handlers.onEvent = [this](const Event& event) {
        onEvent(event);
    };
    handlers.onClosed = [this](const std::string& reason, bool) {
        onClosed(reason);
    };
    if (config_.client.broker)
        client_ = std::make_shared<BrokerFeed>(io_, config_.client, std::move(handlers));
    else
        client_ = std::make_shared<StreamClient>(io_, config_.client, std::move(handlers));
    client_->start();
}

void ViewerPipeline::setShownSize(int width, int height)
{
    decoder_.setShownSize(width, height);
    asio::post(io_, [this, width, height] {
        shownWidth_ = width;
        shownHeight_ = height;
        askSize();
    });
}

void ViewerPipeline::holdFullSize(bool hold)
{
    asio::post(io_, [this, hold] {
        fullHeld_ = hold;
        askSize();
    });
}

void ViewerPipeline::askSize()
{
    // Kept in the client's config for the next connection, and told to this one.
    config_.client.shownWidth = fullHeld_ ? 0 : shownWidth_;
    config_.client.shownHeight = fullHeld_ ? 0 : shownHeight_;
    if (client_)
        client_->setShownSize(config_.client.shownWidth, config_.client.shownHeight);
}

void ViewerPipeline::onHello(const Hello& hello)
{
    // The name is the server's own text: escaped once, here.
    const std::string name = escapeText(hello.name, 64);
    // A broker's hello is the feed's own, from the first picture: no protocol to name.
    const std::string protocol =
        config_.client.broker
            ? std::string()
            : fmt::format(", protocol {}.{}", hello.versionMajor, hello.versionMinor);
    spdlog::info("connected to {}{}{}: {}x{} @ {}{}", name, name.empty() ? "" : " at ", serverName_,
                 hello.width, hello.height,
                 describeFrameRate(hello.fpsNumerator, hello.fpsDenominator), protocol);
    skipsThisConnection_ = 0;
    backoff_.reset();
    lastFrame_ = std::chrono::steady_clock::now();
    lastEventId_ = 0; // a server that lasts tells us again of an event that does
    std::lock_guard lock(mutex_);
    status_.width = hello.width;
    status_.height = hello.height;
    status_.motion = false;
    status_.name = name;
}

void ViewerPipeline::onStatus(const Status& status)
{
    sourceDown_ = status.state != SourceState::Live;
    if (sourceDown_)
        spdlog::warn("source is down: {}", status.text);
    else
        spdlog::info("source is live: {}", status.text);
    setState(sourceDown_ ? LinkState::SourceDown : LinkState::Live, status.text);
}

void ViewerPipeline::onEvent(const Event& event)
{
    const auto change = static_cast<EventChange>(event.change);
    const bool ended = change == EventChange::Ended;
    // A viewer that joins while an event lasts hears of it first as an update.
    const bool news = ended || event.id != lastEventId_;
    lastEventId_ = event.id;
    std::string text;
    if (ended)
        text = fmt::format(
            "motion {} ended {} after {:.0f} s, peak {:.1f}%", event.id,
            localClockTime(event.endMs),
            static_cast<double>(std::max<std::int64_t>(0, event.endMs - event.startMs)) / 1000,
            100 * event.score);
    else
        text = fmt::format("motion {} {} {}, {:.1f}%", event.id,
                           change == EventChange::Started ? "started" : "since",
                           localClockTime(event.startMs), 100 * event.score);
    if (news)
        spdlog::info("{}", text);
    std::lock_guard lock(mutex_);
    status_.motion = !ended;
    status_.lastEvent = std::move(text);
}

void ViewerPipeline::onFrame(const ReceivedFrame& frame)
{
    if (ended_)
        return;
    lastFrame_ = std::chrono::steady_clock::now();
    const bool inOrder = stats_.addFrame(frame.header, frame.wireBytes, frame.receivedMicros);
    const auto capture = captureOnViewerClock(frame, inOrder);

    DecodedFrame& picture = slot_.back();
    // A payload that is no picture of the declared size, or does not decode,
    // is skipped and counted; the connection carries on.
    std::error_code error = frame.pictureError;
    if (!error && config_.decode)
        error = decoder_.decode(frame, capture, picture);
    if (error) {
        stats_.addDecodeError();
        if (++skipsThisConnection_ <= kLoggedSkips || skipsThisConnection_ % 100 == 0)
            spdlog::warn("frame {} skipped: {} ({} skipped on this connection)",
                         frame.header.sequence,
                         frame.pictureReason.empty() ? error.message() : frame.pictureReason,
                         skipsThisConnection_);
    } else if (capture) {
        stats_.addLatency(static_cast<double>(monotonicMicros() - *capture) / 1000.0);
    }
    {
        std::lock_guard lock(mutex_);
        status_.frames = stats_.frames();
        status_.gaps = stats_.gaps();
        status_.rung = rungName(stats_.rung());
        status_.decodeErrors = stats_.decodeErrors();
        status_.width = frame.header.width;
        status_.height = frame.header.height;
        const auto rtt = client_->roundTripMicros();
        status_.rttMillis =
            rtt ? std::optional<double>(static_cast<double>(*rtt) / 1000) : std::nullopt;
        if (status_.state != LinkState::Live && !sourceDown_) {
            status_.state = LinkState::Live;
            status_.detail.clear();
        }
    }

    if (error)
        return; // not handed on: nothing records or shows a picture that is not one
    const bool decoded = config_.decode;
    const SinkFrame sinkFrame{frame, decoded ? &picture : nullptr};
    for (ViewerSink* sink : sinks_)
        sink->onFrame(sinkFrame);
    if (!decoded || ended_)
        return;
    slot_.publish();
    for (ViewerSink* sink : sinks_)
        sink->onNewestPicture();
}

std::optional<std::int64_t> ViewerPipeline::captureOnViewerClock(const ReceivedFrame& frame,
                                                                 bool inOrder)
{
    const ClockSync& clock = client_->clock();
    if (!inOrder || !clock.offsetMicros())
        return std::nullopt; // (untimed already counted, or no clock to measure with yet)
    // Overflow-safe: a capture time that does not fit on our clock is absurd too.
    const auto age = clock.elapsedMicros(frame.header.captureMicros, frame.receivedMicros);
    if (!age || *age < config_.minLatency.count() || *age > config_.maxLatency.count()) {
        stats_.addUntimed();
        return std::nullopt;
    }
    return frame.receivedMicros - *age;
}

void ViewerPipeline::onClosed(const std::string& reason)
{
    if (ended_)
        return;
    if (!config_.reconnect) {
        end(reason, true);
        return;
    }
    if (client_ && client_->wrongKey()) {
        // Retrying with the same key cannot help (and the server slows us down).
        spdlog::error("{}", reason);
        setState(LinkState::WrongKey, "start the viewer with --key KEY");
        end(reason, true);
        return;
    }
    const auto delay = backoff_.next();
    spdlog::warn("connection to {}: {}; reconnecting in {:.1f} s", serverName_, reason,
                 static_cast<double>(delay.count()) / 1000);
    sourceDown_ = false;
    stats_.restartSequence();
    setState(LinkState::Reconnecting, reason);
    retryTimer_.expires_after(delay);
    retryTimer_.async_wait([this](const std::error_code& error) {
        if (!error && !ended_)
            connect();
    });
}

void ViewerPipeline::end(const std::string& reason, bool failed)
{
    if (ended_)
        return;
    ended_ = true;
    retryTimer_.cancel();
    tickTimer_.cancel();
    {
        std::lock_guard lock(mutex_);
        if (status_.state != LinkState::WrongKey) {
            status_.state = LinkState::Ended;
            status_.detail = reason;
        }
    }
    for (ViewerSink* sink : sinks_)
        sink->onEnded(reason, failed);
    work_.reset();
}

void ViewerPipeline::tick()
{
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        status_.fps = frameRate_.update(now, static_cast<double>(stats_.frames()));
        status_.mbits = byteRate_.update(now, static_cast<double>(stats_.bytes())) * 8 / 1e6;
        if (status_.state == LinkState::Live && now - lastFrame_ > config_.stallAfter)
            status_.state = LinkState::Stalled;
    }
    tickTimer_.expires_after(kTick);
    tickTimer_.async_wait([this](const std::error_code& error) {
        if (!error && !ended_)
            tick();
    });
}

void ViewerPipeline::setState(LinkState state, const std::string& detail)
{
    std::lock_guard lock(mutex_);
    status_.state = state;
    status_.detail = detail;
}

} // namespace pistream
