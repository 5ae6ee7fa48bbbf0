#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "core/encoded_frame.h"
#include "pipeline/frame_sink.h"

namespace pistream {

// What the source is doing, as viewers and browsers are told.
struct SourceStatus {
    SourceState state = SourceState::Live;
    std::string text = "starting";

    bool live() const { return state == SourceState::Live; }
};

// A consumer of encoded frames: a stream viewer, a browser's MJPEG stream or
// snapshot, a recorder, a broker publisher. Called on the io thread only, so a
// subscriber needs no locks; it must not block (a slow consumer keeps the
// newest frame and skips the rest, see FramePacer).
class FrameSubscriber {
public:
    virtual void onFrame(const EncodedFramePtr& frame) = 0;
    // Only changes are told: never Live twice in a row.
    virtual void onSourceStatus(const SourceStatus& status) { (void)status; }

protected:
    ~FrameSubscriber() = default;
};

// The one place encoded frames fan out from (the Asio chat example's
// chat_room): it keeps the newest frame and the source's status, and knows
// whether anyone wants frames, so the pipeline encodes only then. Producers
// call publish() and setSourceStatus() from any thread; both post into the io
// thread, where subscribers are told. Adding a consumer touches neither the
// pipeline nor the other consumers: subscribe, and hold the Subscription.
class FrameHub final : public FrameSink {
    struct Core;

public:
    // A subscriber's place in the hub, held by the subscriber. While it says
    // want(true) the pipeline encodes; dropping it unsubscribes. io thread.
    class Subscription {
    public:
        Subscription() = default;
        Subscription(Subscription&& other) noexcept;
        Subscription& operator=(Subscription&& other) noexcept;
        Subscription(const Subscription&) = delete;
        Subscription& operator=(const Subscription&) = delete;
        ~Subscription() { reset(); }

        void want(bool wanted);
        bool wanting() const { return wanting_; }
        // Which encodings this subscriber is given and, while it wants frames,
        // has made (an adaptive viewer's rung). Full unless set.
        void setRung(Rung rung);
        Rung rung() const { return rung_; }
        void reset();
        explicit operator bool() const { return core_ != nullptr; }

    private:
        friend class FrameHub;
        Subscription(std::shared_ptr<Core> core, std::uint64_t id, bool wanted);

        std::shared_ptr<Core> core_;
        std::uint64_t id_ = 0;
        bool wanting_ = false;
        Rung rung_ = Rung::Full;
    };

    explicit FrameHub(asio::io_context& io);

    // FrameSink, any thread.
    bool wanted() const override;
    RungMask wantedRungs() const override;
    // A frame goes to the subscribers whose rung it serves; latest() keeps
    // the newest full-rung frame.
    void publish(EncodedFramePtr frame) override;
    void setSourceStatus(SourceState state, const std::string& text) override;

    // io thread. `wantFrames`: whether this subscriber needs frames encoded now
    // (a viewer does; something that only reacts to the source's status does not).
    [[nodiscard]] Subscription subscribe(FrameSubscriber& subscriber, bool wantFrames = true);
    const EncodedFramePtr& latest() const;
    const SourceStatus& sourceStatus() const;
    std::size_t subscribers() const;

private:
    std::shared_ptr<Core> core_;
};

} // namespace pistream
