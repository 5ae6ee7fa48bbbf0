#pragma once

// Waiting for a condition instead of sleeping for a guess: a test that sleeps
// is slow on a fast machine and red on a busy one.

#include <chrono>
#include <thread>

namespace pistream::test {

// Polls `predicate` until it holds or `deadline` has passed; whether it held.
// Make deadlines generous: a busy machine should make a test slower, not red.
template <typename Predicate>
bool waitFor(Predicate&& predicate, std::chrono::milliseconds deadline,
             std::chrono::milliseconds poll = std::chrono::milliseconds(20))
{
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
        if (predicate())
            return true;
        std::this_thread::sleep_for(poll);
    }
    return predicate();
}

} // namespace pistream::test
