#pragma once

#include <chrono>
#include <random>

namespace pistream {

// Reconnect delays: by default 0.5 s doubling to 5 s, each with +-20% jitter
// so that many clients of one server that restarts do not all knock at once.
// The viewer's reconnects and the server's broker publishers use it.
class Backoff {
public:
    using Duration = std::chrono::milliseconds;

    Backoff(Duration first = Duration(500), Duration max = Duration(5000), double jitter = 0.2,
            unsigned seed = std::random_device{}());

    Duration next();
    void reset() { current_ = first_; }

private:
    Duration first_;
    Duration max_;
    Duration current_;
    double jitter_;
    std::mt19937 random_;
};

} // namespace pistream
