#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace asio {
class thread_pool;
}

namespace pistream {

// Runs work(0) .. work(count - 1) at once and returns when all are done:
// work(0) on the calling thread, the rest offered to helper threads. Whatever
// no helper has started by the time the caller has finished its own part, the
// caller runs itself, and it never waits for a helper that has not started:
// on a machine too busy to give the helpers a core, the whole costs no more
// than running it on one thread. For the strips of one JPEG.
//
// One caller at a time, and not from within a part.
class ForkJoin {
public:
    static constexpr int kMaxParts = 16;

    explicit ForkJoin(int threads); // threads - 1 helpers; 1..kMaxParts
    ~ForkJoin();
    ForkJoin(const ForkJoin&) = delete;
    ForkJoin& operator=(const ForkJoin&) = delete;

    int threads() const { return threads_; }

    // count <= threads(); work(int) must not throw.
    template <typename Work> void run(int count, Work&& work)
    {
        using Type = std::remove_reference_t<Work>;
        run(count, &call<Type>, const_cast<void*>(static_cast<const void*>(std::addressof(work))));
    }

private:
    template <typename Work> static void call(void* work, int part)
    {
        (*static_cast<Work*>(work))(part);
    }
    void run(int count, void (*work)(void*, int), void* context);
    bool claim(int part, std::uint64_t generation);

    int threads_;
    std::uint64_t generation_ = 0; // one per run(); the caller's only
    // Per part, the last run() whose part was taken, and (by a helper) finished.
    // A helper that comes late finds its part taken and touches nothing else.
    std::array<std::atomic<std::uint64_t>, kMaxParts> claimed_{};
    std::array<std::atomic<std::uint64_t>, kMaxParts> finished_{};
    std::unique_ptr<asio::thread_pool> pool_;
};

} // namespace pistream
