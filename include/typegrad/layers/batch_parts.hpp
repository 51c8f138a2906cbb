// tg::batch_parts: the threads (parts) one mini-batch is split over, each running the batch path on
// its own rows. A layer whose result depends on every row of the batch (batch_norm's statistics)
// lets every part see the values every part computed, so the batch behaves as if it were one. When
// processes split the batch too (tg::mpi::fit), each process's parts also see every other process's.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

namespace typegrad {

/// The processes a mini-batch is split over besides threads, as batch_parts sees them: a collective
/// that gathers `bytes` bytes from every process into `all`, process 0's first. Every process calls
/// it the same number of times, each from one thread at a time.
struct batch_processes {
    std::size_t count = 1;
    void* context = nullptr;
    void (*all_gather)(void* context, const void* mine, void* all, std::size_t bytes) = nullptr;
};

class batch_parts {
public:
    /// For `count` parts (threads), numbered 0 to count - 1, in this process alone or, with
    /// `processes`, in each of them.
    explicit batch_parts(std::size_t count, const batch_processes* processes = nullptr)
        : shared_(2 * count), count_(count), processes_(processes && processes->count > 1 ? processes : nullptr) {}
    batch_parts(const batch_parts&) = delete;
    batch_parts& operator=(const batch_parts&) = delete;

    std::size_t count() const noexcept { return count_; }

    /// Part `part` publishes its `own` values and waits until every part has published its own, then
    /// sets `total` to V{} merged (merge(total, v)) with the values of part 0, 1, … in that order, so
    /// that every part computes the same bits. Across processes, each merges its parts' values first,
    /// and `total` is V{} merged with those of process 0, 1, … Every part makes the same sequence of
    /// calls, and keeps its `own` unchanged until its next call has returned (other parts may still be
    /// reading it until then).
    template <class V, class Merge>
    void share(std::size_t part, const V& own, V& total, Merge merge) {
        static_assert(std::is_trivially_copyable_v<V>, "tg::batch_parts: shared values are copied between processes");
        std::size_t round = 0;
        total = V{};
        {
            std::unique_lock lock(mutex_);
            if (abandoned_) return merge(total, own);
            round = round_;
            shared_[round % 2 * count_ + part] = &own;  // two sets: a fast part may publish for the next round
            if (++arrived_ == count_) {
                if (processes_) gather<V>(round, merge);  // every part is waiting: this one talks for them
                arrived_ = 0;
                ++round_;
                changed_.notify_all();
            } else {
                changed_.wait(lock, [&] { return round_ != round || abandoned_; });
                if (round_ == round) return merge(total, own);  // abandoned before every part arrived
            }
        }
        if (!processes_) {
            for (std::size_t k = 0; k < count_; ++k) merge(total, value<V>(round, k));
            return;
        }
        for (std::size_t p = 0; p < processes_->count; ++p) {
            V theirs;
            std::memcpy(static_cast<void*>(&theirs), gathered_.get() + p * sizeof(V), sizeof(V));
            merge(total, theirs);
        }
    }

    /// Called by a part that fails (throws) so that the others stop waiting for it; from then on,
    /// share() gives each part only its own values, and what the parts compute is to be thrown away.
    /// Other processes are not told, and would wait: a batch pass never fails between two shares (the
    /// layers do not throw, and tg::value_and_grad_rows finishes its pass when the loss throws).
    void abandon() noexcept {
        {
            std::lock_guard lock(mutex_);
            abandoned_ = true;
        }
        changed_.notify_all();
    }

private:
    template <class V>
    const V& value(std::size_t round, std::size_t part) const noexcept {
        return *static_cast<const V*>(shared_[round % 2 * count_ + part]);
    }

    /// This process's parts merged, gathered from every process into gathered_.
    template <class V, class Merge>
    void gather(std::size_t round, Merge& merge) {
        V mine{};
        for (std::size_t k = 0; k < count_; ++k) merge(mine, value<V>(round, k));
        const std::size_t bytes = processes_->count * sizeof(V);
        if (gathered_bytes_ < bytes) {
            gathered_ = std::make_unique<unsigned char[]>(bytes);
            gathered_bytes_ = bytes;
        }
        processes_->all_gather(processes_->context, &mine, gathered_.get(), sizeof(V));
    }

    std::vector<const void*> shared_;  // round % 2 * count + part: what `part` published in that round
    std::size_t count_;
    const batch_processes* processes_;
    std::unique_ptr<unsigned char[]> gathered_;  // every process's merged values of the last round
    std::size_t gathered_bytes_ = 0;
    std::size_t arrived_ = 0, round_ = 0;
    bool abandoned_ = false;
    std::mutex mutex_;
    std::condition_variable changed_;
};

}  // namespace typegrad
