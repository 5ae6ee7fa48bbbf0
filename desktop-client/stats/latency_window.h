#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace pistream {

// Latency samples in bounded memory, for a viewer that runs for days: a ring
// of the newest `capacity` samples, from which percentiles are taken, and the
// count and maximum of every sample ever added.
class LatencyWindow {
public:
    explicit LatencyWindow(std::size_t capacity);

    void add(double millis);

    // Every sample added, including those the ring has since forgotten.
    std::uint64_t count() const { return count_; }
    // The samples percentiles are taken from: at most the capacity.
    std::size_t size() const { return samples_.size(); }
    std::size_t capacity() const { return capacity_; }
    std::optional<double> max() const;
    // Nearest-rank percentile (0..100) of the newest samples; nothing before the first.
    std::optional<double> percentile(double percentile) const;

private:
    std::size_t capacity_;
    std::vector<float> samples_; // grows to capacity_, then next_ goes round
    std::size_t next_ = 0;
    std::uint64_t count_ = 0;
    float max_ = 0;
};

} // namespace pistream
