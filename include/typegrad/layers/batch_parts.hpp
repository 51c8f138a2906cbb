// tg::batch_parts: the threads (parts) one mini-batch is split over, each running the batch path on
// its own rows. A layer whose result depends on every row of the batch (batch_norm's statistics)
// lets every part see the values every part computed, so the batch behaves as if it were one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace typegrad {

class batch_parts {
public:
    /// For `count` parts (threads), numbered 0 to count - 1.
    explicit batch_parts(std::size_t count) : shared_(2 * count), count_(count) {}
    batch_parts(const batch_parts&) = delete;
    batch_parts& operator=(const batch_parts&) = delete;

    std::size_t count() const noexcept { return count_; }

    /// Part `part` publishes its `values` and waits until every part has published its own, then
    /// calls f(values of part k) for k = 0, 1, … in that order, so that every part computes the same
    /// bits from them. Every part makes the same sequence of calls, and keeps its `values` unchanged
    /// until its next call has returned (other parts may still be reading them until then).
    template <class V, class F>
    void share(std::size_t part, const V& values, F&& f) {
        std::size_t round = 0;
        {
            std::unique_lock lock(mutex_);
            if (abandoned_) return f(values);
            round = round_;
            shared_[round % 2 * count_ + part] = &values;  // two sets: a fast part may publish for the next round
            if (++arrived_ == count_) {
                arrived_ = 0;
                ++round_;
                changed_.notify_all();
            } else {
                changed_.wait(lock, [&] { return round_ != round || abandoned_; });
                if (round_ == round) return f(values);  // abandoned before every part arrived
            }
        }
        for (std::size_t k = 0; k < count_; ++k) f(*static_cast<const V*>(shared_[round % 2 * count_ + k]));
    }

    /// Called by a part that fails (throws) so that the others stop waiting for it; from then on,
    /// share() gives each part only its own values, and what the parts compute is to be thrown away.
    void abandon() noexcept {
        {
            std::lock_guard lock(mutex_);
            abandoned_ = true;
        }
        changed_.notify_all();
    }

private:
    std::vector<const void*> shared_;  // round % 2 * count + part: what `part` published in that round
    std::size_t count_;
    std::size_t arrived_ = 0, round_ = 0;
    bool abandoned_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
};

}  // namespace typegrad
