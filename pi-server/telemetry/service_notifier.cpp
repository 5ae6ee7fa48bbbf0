#include "telemetry/service_notifier.h"

#include <fmt/format.h>

#ifdef PISTREAM_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace pistream {

namespace {

constexpr auto kStatusEvery = std::chrono::seconds(5);
constexpr auto kCheckWithoutWatchdog = std::chrono::milliseconds(250);

void notify([[maybe_unused]] const std::string& message)
{
#ifdef PISTREAM_HAVE_SYSTEMD
    sd_notify(0, message.c_str());
#endif
}

} // namespace

bool ServiceNotifier::available()
{
#ifdef PISTREAM_HAVE_SYSTEMD
    return true;
#else
    return false;
#endif
}

ServiceNotifier::ServiceNotifier(asio::io_context& io, const Telemetry& telemetry,
                                 std::string description)
    : timer_(io), telemetry_(telemetry), description_(std::move(description)),
      period_(kCheckWithoutWatchdog), statusMeter_(kStatusEvery)
{
#ifdef PISTREAM_HAVE_SYSTEMD
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        watchdog_ = std::chrono::microseconds(usec);
        // Ping at half the interval, as systemd recommends; check often enough for READY.
        period_ =
            std::min<std::chrono::steady_clock::duration>(watchdog_ / 2, kCheckWithoutWatchdog);
    }
#endif
}

void ServiceNotifier::start()
{
    if (!available())
        return;
    statusMeter_.update(std::chrono::steady_clock::now(), telemetry_.snapshot());
    schedule();
}

void ServiceNotifier::stop()
{
    timer_.cancel();
    notify("STOPPING=1");
}

void ServiceNotifier::schedule()
{
    timer_.expires_after(period_);
    timer_.async_wait([this](const std::error_code& error) {
        if (error)
            return;
        tick();
        schedule();
    });
}

void ServiceNotifier::tick()
{
    const TelemetrySnapshot snapshot = telemetry_.snapshot();
    const std::uint64_t frames = snapshot.pipeline.framesIn;
    const bool flowing = frames > lastFrames_;
    lastFrames_ = frames;
    if (flowing && !ready_) {
        ready_ = true;
        notify("READY=1\nSTATUS=streaming " + description_);
    }
    // Only while frames flow: a hung source stops the pings and systemd
    // restarts the service after WatchdogSec.
    if (ready_ && flowing && watchdog_.count() > 0)
        notify("WATCHDOG=1");

    if (statusMeter_.update(std::chrono::steady_clock::now(), snapshot) && ready_) {
        const double fps = statusMeter_.figures().fpsIn;
        notify(fmt::format("STATUS={}: {} viewers, {:.1f} fps{}", description_,
                           snapshot.stream.viewers, fps,
                           fps > 0 ? "" : " (source not delivering)"));
    }
}

} // namespace pistream
