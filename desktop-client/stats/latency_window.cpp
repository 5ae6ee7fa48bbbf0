#include "stats/latency_window.h"

#include <algorithm>
#include <cmath>

namespace pistream {

LatencyWindow::LatencyWindow(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity))
{}

void LatencyWindow::add(double millis)
{
    const auto sample = static_cast<float>(millis);
    max_ = count_ == 0 ? sample : std::max(max_, sample);
    ++count_;
    if (samples_.size() < capacity_) {
        samples_.push_back(sample);
        return;
    }
    samples_[next_] = sample;
    next_ = (next_ + 1) % capacity_;
}

std::optional<double> LatencyWindow::max() const
{
    if (count_ == 0)
        return std::nullopt;
    return max_;
}

std::optional<double> LatencyWindow::percentile(double percentile) const
{
    if (samples_.empty())
        return std::nullopt;
    std::vector<float> sorted = samples_;
    const auto rank = static_cast<std::size_t>(
        std::ceil(percentile / 100.0 * static_cast<double>(sorted.size())));
    const std::size_t index = std::min(sorted.size() - 1, rank > 0 ? rank - 1 : 0);
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(index), sorted.end());
    return sorted[index];
}

} // namespace pistream
