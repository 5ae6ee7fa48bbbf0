#include "core/fork_join.h"

#include <stdexcept>
#include <string>

#include <asio/post.hpp>
#include <asio/thread_pool.hpp>

namespace pistream {

ForkJoin::ForkJoin(int threads) : threads_(threads)
{
    if (threads < 1 || threads > kMaxParts)
        throw std::invalid_argument("threads must be 1.." + std::to_string(kMaxParts));
    if (threads > 1)
        pool_ = std::make_unique<asio::thread_pool>(static_cast<std::size_t>(threads - 1));
}

ForkJoin::~ForkJoin()
{
    if (pool_)
        pool_->join(); // every helper done before the members go
}

bool ForkJoin::claim(int part, std::uint64_t generation)
{
    auto& slot = claimed_[static_cast<std::size_t>(part)];
    std::uint64_t seen = slot.load();
    while (seen < generation)
        if (slot.compare_exchange_weak(seen, generation))
            return true;
    return false;
}

void ForkJoin::run(int count, void (*work)(void*, int), void* context)
{
    if (count > threads_)
        throw std::invalid_argument("ForkJoin: more parts than threads");
    if (count <= 1 || !pool_) {
        for (int part = 0; part < count; ++part)
            work(context, part);
        return;
    }
    const std::uint64_t generation = ++generation_;
    for (int part = 1; part < count; ++part)
        asio::post(*pool_, [this, work, context, part, generation] {
            if (!claim(part, generation))
                return; // the caller took it
            work(context, part);
            auto& finished = finished_[static_cast<std::size_t>(part)];
            finished.store(generation);
            finished.notify_all();
        });
    work(context, 0);
    for (int part = 1; part < count; ++part) {
        if (claim(part, generation)) {
            work(context, part); // no helper got to it
            continue;
        }
        auto& finished = finished_[static_cast<std::size_t>(part)];
        for (std::uint64_t seen = finished.load(); seen < generation; seen = finished.load())
            finished.wait(seen); // a helper is on it
    }
}

} // namespace pistream
