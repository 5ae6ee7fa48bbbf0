#include "hub/frame_hub.h"

#include <algorithm>

#include <asio/post.hpp>

namespace pistream {

// Shared by the hub, its subscriptions and the work it posts, so that none of
// them can outlive the others' memory, whatever order they go in.
struct FrameHub::Core {
    struct Entry {
        std::uint64_t id;
        FrameSubscriber* subscriber; // nullptr once unsubscribed during a fan-out
        Rung rung = Rung::Full;      // the encodings it is given
    };

    Entry* find(std::uint64_t id)
    {
        const auto found = std::find_if(entries.begin(), entries.end(),
                                        [id](const Entry& entry) { return entry.id == id; });
        return found == entries.end() ? nullptr : &*found;
    }

    explicit Core(asio::io_context& context) : io(context) {}

    void unsubscribe(std::uint64_t id)
    {
        const auto found = std::find_if(entries.begin(), entries.end(),
                                        [id](const Entry& entry) { return entry.id == id; });
        if (found == entries.end())
            return;
        if (delivering > 0)
            found->subscriber = nullptr; // compacted when the fan-out is done
        else
            entries.erase(found);
    }

    // Calls `tell` for each subscriber, including those that subscribe
    // meanwhile; one that unsubscribes meanwhile is not called again.
    template <typename Tell> void forEach(Tell tell)
    {
        ++delivering;
        for (std::size_t i = 0; i < entries.size(); ++i)
            if (FrameSubscriber* subscriber = entries[i].subscriber)
                tell(*subscriber, entries[i].rung);
        if (--delivering == 0)
            std::erase_if(entries, [](const Entry& entry) { return entry.subscriber == nullptr; });
    }

    asio::io_context& io;
    std::array<std::atomic<int>, kRungCount> wanting{}; // subscriptions wanting each rung
    // io thread only:
    std::vector<Entry> entries;
    std::uint64_t nextId = 1;
    int delivering = 0;
    EncodedFramePtr latest;
    SourceStatus status;
};

FrameHub::FrameHub(asio::io_context& io) : core_(std::make_shared<Core>(io)) {}

bool FrameHub::wanted() const
{
    return wantedRungs() != 0;
}

RungMask FrameHub::wantedRungs() const
{
    RungMask mask = 0;
    for (std::size_t rung = 0; rung < kRungCount; ++rung)
        if (core_->wanting[rung].load(std::memory_order_relaxed) > 0)
            mask = static_cast<RungMask>(mask | (1u << rung));
    return mask;
}

void FrameHub::publish(EncodedFramePtr frame)
{
    asio::post(core_->io, [core = core_, frame = std::move(frame)] {
        if (frame->serves(Rung::Full))
            core->latest = frame;
        core->forEach([&frame](FrameSubscriber& subscriber, Rung rung) {
            if (frame->serves(rung))
                subscriber.onFrame(frame);
        });
    });
}

void FrameHub::setSourceStatus(SourceState state, const std::string& text)
{
    asio::post(core_->io, [core = core_, status = SourceStatus{state, text}] {
        const bool repeat = status.live() && core->status.live();
        core->status = status;
        if (!repeat)
            core->forEach([&status](FrameSubscriber& subscriber, Rung) {
                subscriber.onSourceStatus(status);
            });
    });
}

FrameHub::Subscription FrameHub::subscribe(FrameSubscriber& subscriber, bool wantFrames)
{
    const std::uint64_t id = core_->nextId++;
    core_->entries.push_back({id, &subscriber});
    return Subscription(core_, id, wantFrames);
}

const EncodedFramePtr& FrameHub::latest() const
{
    return core_->latest;
}

const SourceStatus& FrameHub::sourceStatus() const
{
    return core_->status;
}

std::size_t FrameHub::subscribers() const
{
    return static_cast<std::size_t>(
        std::count_if(core_->entries.begin(), core_->entries.end(),
                      [](const Core::Entry& entry) { return entry.subscriber != nullptr; }));
}

FrameHub::Subscription::Subscription(std::shared_ptr<Core> core, std::uint64_t id, bool wanted)
    : core_(std::move(core)), id_(id)
{
    want(wanted);
}

FrameHub::Subscription::Subscription(Subscription&& other) noexcept
    : core_(std::move(other.core_)), id_(other.id_), wanting_(other.wanting_), rung_(other.rung_)
{
    other.wanting_ = false;
}

FrameHub::Subscription& FrameHub::Subscription::operator=(Subscription&& other) noexcept
{
    if (this != &other) {
        reset();
        core_ = std::move(other.core_);
        id_ = other.id_;
        wanting_ = other.wanting_;
        rung_ = other.rung_;
        other.wanting_ = false;
    }
    return *this;
}

void FrameHub::Subscription::want(bool wanted)
{
    if (!core_ || wanted == wanting_)
        return;
    wanting_ = wanted;
    core_->wanting[indexOf(rung_)].fetch_add(wanted ? 1 : -1, std::memory_order_relaxed);
}

void FrameHub::Subscription::setRung(Rung rung)
{
    if (!core_ || rung == rung_)
        return;
    const bool wanted = wanting_;
    want(false);
    rung_ = rung;
    want(wanted);
    if (Core::Entry* entry = core_->find(id_))
        entry->rung = rung;
}

void FrameHub::Subscription::reset()
{
    if (!core_)
        return;
    want(false);
    core_->unsubscribe(id_);
    core_.reset();
}

} // namespace pistream
