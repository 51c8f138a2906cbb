// tg::fit: mini-batch training as the seed's notes define it. Every epoch shuffles the samples (from
// the seed), cuts them into ⌈N / batch_size⌉ batches, the last one possibly smaller, and makes one
// optimizer update per batch from the mean of its samples' gradients. A batch runs on the batch path,
// split over threads: a network of dense layers and elementwise activations by neurons
// (train/neuron_split.hpp), any other by samples, each thread summing its rows' gradients (a sequence
// network's: its sequences' through backward_sequence, train/sequence_data.hpp). Sums run in
// a fixed order, so a run is deterministic for a seed and a thread count. After every epoch fit may
// validate on a set it does not train on, stop early when a metric stops improving, and keep the best
// epoch's parameters (fit_options).
#pragma once

#include <algorithm>
#include <bit>
#include <chrono>
#include <concepts>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include <unistd.h>

#include <typegrad/core/error.hpp>
#include <typegrad/layers/batch_parts.hpp>
#include <typegrad/layers/init.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/optim/schedule.hpp>
#include <typegrad/simd.hpp>
#include <typegrad/train/evaluate.hpp>
#include <typegrad/train/neuron_split.hpp>
#include <typegrad/train/processes.hpp>
#include <typegrad/train/progress.hpp>
#include <typegrad/train/sequence_data.hpp>
#include <typegrad/train/thread_pool.hpp>

namespace typegrad {

/// A figure of an epoch_report that tg::fit can watch for early stopping and for the best epoch.
enum class fit_metric { loss, accuracy, validation_loss, validation_accuracy };

constexpr const char* to_string(fit_metric m) noexcept {
    switch (m) {
        case fit_metric::loss: return "loss";
        case fit_metric::accuracy: return "accuracy";
        case fit_metric::validation_loss: return "validation_loss";
        case fit_metric::validation_accuracy: return "validation_accuracy";
    }
    return "?";
}

struct fit_options {
    std::size_t epochs = 1;                  // the last epoch: fit runs epochs initial_epoch + 1 … epochs
    std::size_t initial_epoch = 0;           // epochs already run, to resume (tg::load_checkpoint returns it)
    std::size_t batch_size = 32;             // samples per update; the last batch of an epoch may be smaller
    std::uint64_t seed = 0;                  // the shuffling order, dropout's masks and validation_split's draw
    std::size_t threads = 0;                 // threads a batch is split over; 0 = every core
    bool shuffle = true;                     // false: the samples in their stored order
    progress report = progress::automatic;   // on std::cerr
    double validation_split = 0;             // the fraction of the samples, drawn with the seed, held out to validate on; 0: none
    fit_metric monitor = fit_metric::validation_loss;  // what patience and restore_best watch
    std::size_t patience = 0;                // stop after this many epochs in a row without improvement; 0: never
    double min_delta = 0;                    // an improvement must beat the best by more than this
    bool restore_best = false;               // end with the parameters of the best epoch
};

/// What tg::fit's epoch callback may return: whether training goes on (a callback may also return void).
enum class fit_control { go_on, stop };

/// Why tg::fit stopped.
enum class fit_stop {
    epochs,    // it ran options.epochs epochs
    callback,  // the epoch callback returned fit_control::stop
    patience   // options.monitor did not improve for options.patience epochs
};

struct fit_result {
    std::vector<epoch_report> history;  // one report per epoch run
    fit_stop stopped = fit_stop::epochs;
    std::size_t best_epoch = 0;  // the epoch with the best options.monitor, with patience or restore_best; else 0
};

namespace detail {

struct ignore_epochs {
    void operator()(const epoch_report&) const noexcept {}
};

/// Calls on_epoch(report); true when it asks to stop.
template <class OnEpoch>
bool stop_after(OnEpoch& on_epoch, const epoch_report& report) {
    using result = std::invoke_result_t<OnEpoch&, const epoch_report&>;
    static_assert(std::is_void_v<result> || std::is_same_v<result, fit_control>,
                  "tg::fit: the epoch callback must return void or tg::fit_control (go_on or stop)");
    if constexpr (std::is_void_v<result>) {
        on_epoch(report);
        return false;
    } else {
        return on_epoch(report) == fit_control::stop;
    }
}

// [lo, hi) of a tensor of `size` elements: thread `part` of `parts`' share.
struct slice {
    std::size_t lo, hi;
    slice(std::size_t size, std::size_t part, std::size_t parts) : lo(size * part / parts), hi(size * (part + 1) / parts) {}
};

/// Adds the gradients of parts 1, 2, … into part 0's over thread `part`'s slice of every tensor (each
/// element summed in part order, whatever the threads), and says whether the summed slice is finite.
template <class Part>
bool reduce_slice(std::vector<Part>& parts, std::size_t part) noexcept {
    for (std::size_t k = 1; k < parts.size(); ++k)
        for_each_tensor(
            [&](std::size_t, std::string_view, auto& sum, const auto& t) {
                const slice s(sum.size(), part, parts.size());
                for (std::size_t i = s.lo; i < s.hi; ++i) sum.data()[i] += t.data()[i];
            },
            *parts[0].grad, *parts[k].grad);
    bool finite = true;
    for_each_tensor(
        [&](std::size_t, std::string_view, const auto& sum) {
            const slice s(sum.size(), part, parts.size());
            finite = finite && simd::all_finite(sum.data() + s.lo, s.hi - s.lo);
        },
        *parts[0].grad);
    return finite;
}

/// One thread's share of every batch: its rows, their gradient and what they scored.
template <class Net, class T>
struct batch_part {
    explicit batch_part(std::size_t capacity) : ws(capacity), grad(std::make_unique<params<Net, T>>()) {}
    batch_workspace<Net, T> ws;
    std::unique_ptr<params<Net, T>> grad;  // on the heap: a large network's params do not fit a stack
    T loss{};
    std::size_t right = 0;
    bool finite = true;  // this thread's slice of the summed gradient
};

/// Throws value_error when a trainer would allocate more than this machine's memory (about `bytes`
/// for `threads` threads at batches of `rows` rows), before it does: a thread count far above the
/// cores would otherwise end in a bare std::bad_alloc, or in the system stopping the process.
inline void check_trainer_memory(double bytes, std::size_t threads, std::size_t rows) {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return;
    const double memory = double(pages) * double(page);
    const auto gb = [](double b) { return message(std::round(b / 1e8) / 10, " GB"); };
    if (bytes > memory)
        throw value_error(message("tg::fit: ", threads, " threads at batches of ", rows, " samples need about ", gb(bytes),
                                  " for their gradients and copies of the batch, more than this machine's ", gb(memory),
                                  "; expected fewer threads (0: one per core) or a smaller batch_size"));
#else
    (void)bytes, (void)threads, (void)rows;
#endif
}

/// A key for batch `batch` of epoch `epoch`, from which dropout draws its masks.
constexpr std::uint64_t batch_key(std::uint64_t seed, std::size_t epoch, std::size_t batch) noexcept {
    rng r{seed ^ (0x9E3779B97F4A7C15ull * (epoch + 1)) ^ (0xD1B54A32D192ED03ull * (batch + 1))};
    return r.next();
}

/// One epoch's batches: batch b holds samples order[begin(b)], … of the next count(b).
struct epoch_plan {
    const std::size_t* order;
    std::size_t samples, batch_size, batches, epoch, epochs;
    std::uint64_t seed;

    std::size_t begin(std::size_t b) const noexcept { return b * batch_size; }
    std::size_t count(std::size_t b) const noexcept { return std::min(batch_size, samples - begin(b)); }
};

/// What an epoch's batches scored: their summed loss, the summed weights of their samples (their
/// count, without class weights) and their right answers; and a failure of this process after the last
/// batch's tally (its update), which the other processes have not heard of yet.
struct epoch_totals {
    double loss = 0, weight = 0;
    std::size_t right = 0;
    std::exception_ptr failed;
};

/// The error that stops tg::fit at batch b of an epoch whose loss or gradient is not finite. fit adds
/// what state the parameters are in (epoch_snapshot).
inline training_error not_finite(bool loss_finite, const epoch_plan& plan, std::size_t b) {
    return training_error(message("tg::fit: the ", loss_finite ? "gradient" : "loss", " is not finite at epoch ",
                                  plan.epoch, ", batch ", b + 1, " of ", plan.batches));
}

/// A copy of the parameters on the heap. fit keeps those at the start of an epoch, so that it never
/// leaves them non-finite: a copy made once per epoch, and a finiteness pass over the parameters at the
/// end of the epoch or when a batch's loss is not finite. It keeps the best epoch's for restore_best. Checking after every update instead (a copy and a pass over 0.9 MB
/// for 784-256-128-10) made the whole of fit 5-7% slower (scripts/ab.sh, paired calls).
template <class Net, class T>
class epoch_snapshot {
public:
    void save(const params<Net, T>& p) { *saved_ = p; }
    void restore(params<Net, T>& p) const noexcept { p = *saved_; }

    static bool finite(const params<Net, T>& p) noexcept {
        bool all = true;
        for_each_tensor([&](std::size_t, std::string_view, const auto& w) { all = all && finite_values(w.data(), w.size()); },
                        p);
        return all;
    }

private:
    // Out of GCC's sight: inlined with a whole tensor's constant size, GCC 12 warns (-Werror) of a loop
    // that runs 2^61 times in simd::all_finite.
#if defined(__GNUC__) && !defined(__clang__)
    [[gnu::noipa]]
#endif
    static bool finite_values(const T* x, std::size_t n) noexcept {
        return simd::all_finite(x, n);
    }

    std::unique_ptr<params<Net, T>> saved_ = std::make_unique<params<Net, T>>();
};

/// Throws not_finite unless batch b's summed loss and gradient are finite.
inline void check_finite(const tally& sum, const epoch_plan& plan, std::size_t b) {
    if (!std::isfinite(sum.loss) || sum.not_finite > 0) throw not_finite(std::isfinite(sum.loss), plan, b);
}

/// Sums every process's gradient of batch b into grad; throws not_finite when the sum overflowed
/// (every process holds the same sum, so all throw).
template <class Group, class Net, class T>
void sum_gradients(Group& group, params<Net, T>& grad, const epoch_plan& plan, std::size_t b) {
    if (group.size() == 1) return;
    group.sum(grad);
    if (!epoch_snapshot<Net, T>::finite(grad)) throw not_finite(true, plan, b);
}

/// Once every thread has filled its part of batch b, or one of them failed with `failed`: sums the
/// parts' gradients into part 0's (each thread a slice), then every process's (group), and returns the
/// batch's tally. Throws when a process failed, or not_finite when the loss or a gradient is not finite.
template <class Part, class Group>
tally sum_parts(std::vector<Part>& parts, thread_pool& pool, Group& group, const std::exception_ptr& failed,
                const epoch_plan& plan, std::size_t b) {
    tally sum;
    if (failed) {
        sum.failed = 1;
    } else {
        auto reduce = [&](std::size_t t) { parts[t].finite = reduce_slice(parts, t); };
        pool.run(reduce);
        for (const auto& part : parts) {
            sum.loss += double(part.loss);
            sum.right += double(part.right);
            sum.not_finite += !part.finite;
        }
    }
    group.sum(sum, failed);
    check_finite(sum, plan, b);
    sum_gradients(group, *parts[0].grad, plan, b);
    return sum;
}

/// Adds batch b's tally and weight to the epoch's totals and shows its progress.
template <class T>
void count_batch(epoch_totals& totals, const tally& sum, T weight, progress_printer& printer, const epoch_plan& plan,
                 std::size_t b) {
    totals.loss += sum.loss;
    totals.weight += weight;
    totals.right += std::size_t(sum.right);
    printer.batch(plan.epoch, plan.epochs, b + 1, plan.batches, totals.loss / totals.weight);
}

/// Calls f(); the exception it threw, or null.
template <class F>
std::exception_ptr caught(F&& f) noexcept {
    try {
        f();
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

/// A failed update: a process alone throws at once; in a group, the next tally tells the others (the
/// next batch's, or after the last batch the epoch's, from epoch_totals::failed).
template <class Group>
void throw_if_alone(const Group& group, const std::exception_ptr& failed) {
    if (failed && group.size() == 1) std::rethrow_exception(failed);
}

/// Runs body(t) and tells the other processes whether it failed, with what it put into t (summed over the
/// processes on return). Throws on every process when one failed.
template <class Group, class Body>
tally agree(Group& group, Body&& body) {
    tally t;
    std::exception_ptr failed;
    try {
        body(t);
    } catch (...) {
        failed = std::current_exception();
        t.failed = 1;
    }
    group.sum(t, failed);
    return t;
}

/// tg::fit's threads split each batch by samples: each runs the batch path on its rows (of this
/// process's shard) into a gradient of its own; the gradients are summed (each thread a slice, then
/// across processes) and thread 0 updates.
template <class Net, class T>
class fit_by_samples {
public:
    /// About the bytes the constructor allocates: a gradient per thread and the batch's rows.
    static double bytes(std::size_t capacity, std::size_t threads) noexcept {
        return double(sizeof(T)) * (double(threads) * double(Net::param_count) + double(capacity + threads) * row_values<Net>());
    }

    fit_by_samples(std::size_t capacity, std::size_t threads, const batch_processes* processes)
        : split_(threads, processes), shared_(threads > 1 || processes) {
        parts_.reserve(threads);
        for (std::size_t t = 0; t < threads; ++t) parts_.emplace_back((capacity + threads - 1) / threads);
    }

    template <class Data, class Loss, class Opt, class Group>
    epoch_totals epoch(params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt, const epoch_plan& plan,
                       thread_pool& pool, progress_printer& printer, Group& group) {
        const std::size_t threads = parts_.size();
        epoch_totals totals;
        std::exception_ptr failed;  // this process's, told to the others at the next tally
        for (std::size_t b = 0; b < plan.batches; ++b) {
            const std::size_t begin = plan.begin(b), count = plan.count(b);
            const std::uint64_t key = batch_key(plan.seed, plan.epoch, b);
            const T weight = batch_weight<T, Net::out_size>(
                loss, count, [&](std::size_t r) -> const auto& { return train.targets[plan.order[begin + r]]; });
            const shard mine(group, count);
            auto job = [&](std::size_t t) {
                batch_part<Net, T>& part = parts_[t];
                const std::size_t lo = mine.lo + mine.rows * t / threads, rows = mine.lo + mine.rows * (t + 1) / threads - lo;
                const std::size_t* samples = plan.order + begin + lo;
                part.right = 0;
                // Even without rows a thread runs the pass: the others may wait for it in split_.share.
                try {
                    for (std::size_t r = 0; r < rows; ++r) part.ws.set_input(r, train.inputs[samples[r]]);
                    part.loss = value_and_grad_rows<Net>(
                        p, part.ws, rows, [&](std::size_t r) -> const auto& { return train.targets[samples[r]]; },
                        loss, *part.grad, per_weight(T{1}, weight),
                        batch_info{mode::training, key, lo, shared_ ? &split_ : nullptr, t}, grad_mode::assign);
                } catch (...) {
                    split_.abandon();
                    throw;
                }
                if constexpr (Data::labelled)
                    for (std::size_t r = 0; r < rows; ++r)
                        part.right += argmax(part.ws.output(r), Net::out_size) == train.targets[samples[r]];
            };
            // The pass runs after a failed update too: the other processes may wait for its batch_norm shares.
            const std::exception_ptr pass_failed = caught([&] { pool.run(job); });
            if (!failed) failed = pass_failed;
            const tally sum = sum_parts(parts_, pool, group, failed, plan, b);
            failed = caught([&] {
                opt.step(p, *parts_[0].grad);
                update_running_statistics<Net>(p, parts_[0].ws);  // every thread holds the whole batch's statistics
            });
            throw_if_alone(group, failed);
            count_batch(totals, sum, weight, printer, plan, b);
        }
        totals.failed = failed;
        return totals;
    }

private:
    std::vector<batch_part<Net, T>> parts_;
    batch_parts split_;  // lets batch_norm see the statistics of the other threads' and processes' rows
    bool shared_;        // whether the batch is split at all
};

/// The update an optimizer's start_step returns (int for one that cannot split its step).
template <class Opt, class P>
struct update_of {
    using type = int;
};
template <class Opt, class P>
    requires splittable_optimizer<Opt, P>
struct update_of<Opt, P> {
    using type = decltype(std::declval<Opt&>().start_step(std::declval<P&>()));
};

/// tg::fit's threads split each batch (this process's shard of it) by neurons
/// (train/neuron_split.hpp): one run of the pool per epoch, the threads meeting at spin barriers;
/// thread 0 sums across processes, checks, counts and reports each batch.
template <class Net, class T>
class fit_by_neurons {
public:
    static double bytes(std::size_t capacity, std::size_t threads) noexcept {
        return neuron_split<Net, T>::bytes(capacity, threads);
    }

    fit_by_neurons(std::size_t capacity, std::size_t threads, const batch_processes*) : split_(capacity, threads) {}

    template <class Data, class Loss, class Opt, class Group>
    epoch_totals epoch(params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt, const epoch_plan& plan,
                       thread_pool& pool, progress_printer& printer, Group& group) {
        constexpr bool splittable = splittable_optimizer<Opt, params<Net, T>>;
        std::optional<typename update_of<Opt, params<Net, T>>::type> update;
        epoch_totals totals;
        bool told = false;  // whether thread 0 failed in the processes' tally, which told them
        auto job = [&](std::size_t t) {
            const std::size_t threads = split_.threads();
            // Each thread loads the batch's inputs for itself: those of the next batch while it waits at
            // the step's barriers, and what is left of them after its update.
            const auto queue = [&](std::size_t b) {
                const std::size_t* samples = plan.order + plan.begin(b) + shard(group, plan.count(b)).lo;
                split_.queue_inputs(t, shard(group, plan.count(b)).rows,
                                    [&](std::size_t r) -> const auto& { return train.inputs[samples[r]]; });
            };
            try {
                queue(0);
                split_.load_inputs(t);
                for (std::size_t b = 0; b < plan.batches; ++b) {
                    const std::size_t begin = plan.begin(b), count = plan.count(b);
                    const shard mine(group, count);
                    const std::size_t* samples = plan.order + begin;
                    if (b + 1 < plan.batches) queue(b + 1);
                    const auto target = [&](std::size_t r) -> const auto& { return train.targets[samples[r]]; };
                    const T weight = batch_weight<T, Net::out_size>(loss, count, target);  // the same in every thread
                    split_.template value_and_grad<Data::labelled>(
                        p, mine.rows, [&](std::size_t r) -> const auto& { return target(mine.lo + r); }, loss,
                        per_weight(T{1}, weight), t);
                    if (t == 0) {
                        tally sum{double(split_.loss()), double(split_.right()), double(!split_.finite())};
                        told = true;
                        group.sum(sum, nullptr);
                        check_finite(sum, plan, b);
                        sum_gradients(group, split_.grad(), plan, b);
                        told = false;
                        if constexpr (splittable) update.emplace(opt.start_step(p));
                        else opt.step(p, split_.grad());
                        count_batch(totals, sum, weight, printer, plan, b);
                    }
                    split_.wait(t);
                    if constexpr (splittable) (*update)(p, split_.grad(), params_part{t, threads});
                    split_.load_inputs(t);
                }
            } catch (const spin_barrier::abandoned&) {
                // Another thread failed; its exception is the one fit throws.
            } catch (...) {
                split_.barrier().abandon();
                throw;
            }
        };
        // A failure that the processes' tally did not throw: the others learn of it at their next tally.
        if (std::exception_ptr failed = caught([&] { pool.run(job); })) {
            if (told) std::rethrow_exception(failed);
            throw_if_alone(group, failed);
            totals.failed = failed;
        }
        return totals;
    }

private:
    neuron_split<Net, T> split_;
};

/// One thread's share of a sequence network's batches: a workspace for one sequence, the gradient of
/// its sequences and what they scored.
template <class Net, class T>
struct sequence_part {
    explicit sequence_part(std::size_t steps) : ws(steps), grad(std::make_unique<params<Net, T>>()) {}
    sequence_workspace<Net, T> ws;
    std::unique_ptr<params<Net, T>> grad;
    T loss{};
    std::size_t right = 0;
    bool finite = true;
};

/// tg::fit's threads split a sequence network's batch by samples: each runs its share of the batch's
/// sequences, one after the other, through forward_sequence and backward_sequence into a gradient of
/// its own, each output row's loss divided by the batch's weight (its output rows, or their summed class
/// weights); the gradients are summed as in
/// fit_by_samples (each thread a slice, in thread order) and thread 0 updates.
template <class Net, class T, std::size_t Steps>
class fit_by_sequences {
    static_assert(![]<std::size_t... I>(std::index_sequence<I...>) {
        return (... || keeps_running_statistics<typename Net::template layer_type<I>, T, Net::sizes[I]>);
    }(std::make_index_sequence<Net::layer_count>{}),
                  "tg::fit does not train a sequence network holding tg::batch_norm: it would not update the "
                  "running statistics");

    static constexpr std::size_t out_rows = to_label<Net, T> ? 1 : Steps;  // per sequence

public:
    /// About the bytes the constructor allocates: a gradient and a sequence's steps per thread.
    static double bytes(std::size_t, std::size_t threads) noexcept {
        return double(sizeof(T)) * double(threads) * (double(Net::param_count) + double(Steps) * row_values<Net>());
    }

    fit_by_sequences(std::size_t, std::size_t threads, const batch_processes*) {
        parts_.reserve(threads);
        for (std::size_t t = 0; t < threads; ++t) parts_.emplace_back(Steps);
    }

    template <class Data, class Loss, class Opt, class Group>
    epoch_totals epoch(params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt, const epoch_plan& plan,
                       thread_pool& pool, progress_printer& printer, Group& group) {
        const std::size_t threads = parts_.size();
        epoch_totals totals;
        std::exception_ptr failed;  // this process's, told to the others at the next tally
        for (std::size_t b = 0; b < plan.batches; ++b) {
            const std::size_t begin = plan.begin(b), count = plan.count(b);
            const std::uint64_t key = batch_key(plan.seed, plan.epoch, b);
            const T weight = batch_weight<T, Net::out_size>(loss, count * out_rows, [&](std::size_t r) -> decltype(auto) {
                return row_target<Net, T>(train.targets[plan.order[begin + r / out_rows]], r % out_rows);
            });
            const shard mine(group, count);
            auto job = [&](std::size_t t) {
                sequence_part<Net, T>& part = parts_[t];
                const std::size_t lo = mine.lo + mine.rows * t / threads, hi = mine.lo + mine.rows * (t + 1) / threads;
                for_each_tensor([](std::size_t, std::string_view, auto& g) { std::fill_n(g.data(), g.size(), T{}); },
                                *part.grad);
                part.loss = T{};
                part.right = 0;
                for (std::size_t r = lo; r < hi; ++r) {
                    const std::size_t sample = plan.order[begin + r];
                    // Each sequence's step rows are rows (r · Steps …) of the batch, for dropout's masks.
                    load_sample(train.inputs[sample], part.ws);
                    part.loss += scaled_value_and_grad_sequence<Net>(
                        p, part.ws.template values<0>(), Steps,
                        [&](std::size_t k) -> decltype(auto) { return row_target<Net, T>(train.targets[sample], k); }, loss,
                        per_weight(T{1}, weight), *part.grad, part.ws, {mode::training, key, r * Steps});
                    if constexpr (Data::labelled)
                        part.right +=
                            argmax(part.ws.template values<Net::layer_count>().data(), Net::out_size) == train.targets[sample];
                }
            };
            const std::exception_ptr pass_failed = caught([&] { pool.run(job); });
            if (!failed) failed = pass_failed;
            const tally sum = sum_parts(parts_, pool, group, failed, plan, b);
            failed = caught([&] { opt.step(p, *parts_[0].grad); });
            throw_if_alone(group, failed);
            count_batch(totals, sum, weight, printer, plan, b);
        }
        totals.failed = failed;
        return totals;
    }

private:
    std::vector<sequence_part<Net, T>> parts_;
};

/// The trainer tg::fit splits Net's batches of Data with.
template <class Net, class T, class Data>
struct trainer_of {
    using type = std::conditional_t<splits_by_neurons<Net, T>, fit_by_neurons<Net, T>, fit_by_samples<Net, T>>;
};
template <sequence_network Net, class T, class Data>
struct trainer_of<Net, T, Data> {
    using type = fit_by_sequences<Net, T, sequence_steps<Net, Data>>;
};

}  // namespace detail

namespace detail {

/// The figure m of an epoch report, and whether a larger one is better.
inline double figure(const epoch_report& r, fit_metric m) noexcept {
    switch (m) {
        case fit_metric::loss: return r.loss;
        case fit_metric::accuracy: return r.accuracy;
        case fit_metric::validation_loss: return r.validation_loss;
        case fit_metric::validation_accuracy: return r.validation_accuracy;
    }
    return r.loss;
}
constexpr bool larger_is_better(fit_metric m) noexcept { return m == fit_metric::accuracy || m == fit_metric::validation_accuracy; }

/// Throws value_error unless the validation and early-stopping options fit the data.
template <class Data>
void check_validation_options(const fit_options& o, bool validation_set) {
    const double split = o.validation_split;
    if (split != 0 && !(split > 0 && split < 1))
        throw value_error(message("tg::fit: validation_split is ", split, ", expected a fraction in (0, 1), or 0 for none"));
    if (validation_set && split != 0)
        throw value_error(message("tg::fit: both a validation set and validation_split ", split, " are given, expected one"));
    check_hyper_parameter<double>("tg::fit", "min_delta", o.min_delta);
    if (o.patience == 0 && !o.restore_best) return;
    const bool validating = validation_set || split != 0;
    if ((o.monitor == fit_metric::validation_loss || o.monitor == fit_metric::validation_accuracy) && !validating)
        throw value_error(message("tg::fit: monitor is ", to_string(o.monitor),
                                  ", but there is no validation set: pass one to fit, set validation_split, or monitor ",
                                  o.monitor == fit_metric::validation_loss ? "loss" : "accuracy"));
    if (larger_is_better(o.monitor) && !Data::labelled)
        throw value_error(message("tg::fit: monitor is ", to_string(o.monitor),
                                  ", but the data have vector targets, expected a loss to monitor"));
}

/// Training: the samples of train, all but those validation_split holds out (they go to `held_out`),
/// each list in stored order. The held-out ones are a uniform draw seeded from the seed.
inline std::vector<std::size_t> split_samples(std::size_t n, const fit_options& o, std::vector<std::size_t>& held_out) {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (o.validation_split == 0) return order;
    const auto k = static_cast<std::size_t>(o.validation_split * double(n) + 0.5);
    if (k == 0 || k == n)
        throw value_error(message("tg::fit: validation_split ", o.validation_split, " of ", n, " samples holds out ", k,
                                  ", expected at least 1 sample to validate on and 1 to train on"));
    rng draw{o.seed ^ 0xA0761D6478BD642Full};  // apart from the shuffling's generator
    for (std::size_t i = 0; i < k; ++i) std::swap(order[i], order[i + draw.next() % (n - i)]);
    held_out.assign(order.begin(), order.begin() + std::ptrdiff_t(k));
    order.erase(order.begin(), order.begin() + std::ptrdiff_t(k));
    std::sort(held_out.begin(), held_out.end());
    std::sort(order.begin(), order.end());
    return order;
}

/// Throws value_error unless fit can train on train (validated on *validation when it is not null)
/// with these options and this optimizer.
template <class Net, class T, class Data, class Opt>
void check_fit(const Data& train, const Data* validation, const fit_options& options, Opt& opt) {
    check_data<Net, T, Data>();
    train.check();
    if (train.empty()) throw value_error("tg::fit: the training set is empty");
    if constexpr (Data::labelled) check_labels<Net>("tg::fit", train);  // before a thread meets the label
    if (validation) {
        validation->check();
        if (validation->empty()) throw value_error("tg::fit: the validation set is empty");
    }
    if (options.batch_size == 0) throw value_error("tg::fit: batch_size is 0, expected at least 1");
    if (options.initial_epoch > options.epochs)
        throw value_error(message("tg::fit: initial_epoch is ", options.initial_epoch, ", expected at most epochs (",
                                  options.epochs, "): the epochs already run of the ", options.epochs, " to run"));
    // Resuming replays the shuffle of every epoch already run, a pass over the samples each: a count of
    // epochs no run can have reached (a hostile checkpoint's) would take years.
    constexpr std::size_t most_draws = std::size_t{1} << 36;
    if (options.shuffle && options.initial_epoch > most_draws / train.size())
        throw value_error(message("tg::fit: initial_epoch is ", options.initial_epoch, ", expected at most ",
                                  most_draws / train.size(), " for ", train.size(),
                                  " samples: resuming replays the shuffle of every epoch already run, at most 2^36 "
                                  "draws in all"));
    check_validation_options<Data>(options, validation != nullptr);
    if constexpr (checked_optimizer<Opt, T>) opt.template check<T>();
}

/// Throws value_error on every process of the group unless all train on the same data with the same
/// options (threads and report aside).
template <class Net, class T, class Group, class Data>
void check_same_everywhere(Group& group, const Data& train, const Data* validation, const fit_options& o) {
    if (group.size() == 1) return;
    fingerprint network;  // the network and its element type, by their (mangled) names
    const std::string_view type_name = typeid(params<Net, T>).name();
    network.add(type_name.data(), type_name.size());
    group.same(network.value, "the network or its element type (a fingerprint of their names)");
    group.same(train.size(), "the training set's samples");
    group.same(fingerprint_of(train), "the training set's values (a fingerprint of them)");
    group.same(validation ? validation->size() : 0, "the validation set's samples");
    if (validation) group.same(fingerprint_of(*validation), "the validation set's values (a fingerprint of them)");
    const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
    for (const auto& [value, name] : {std::pair<std::uint64_t, const char*>{o.epochs, "fit_options::epochs"},
                                      {o.initial_epoch, "fit_options::initial_epoch"},
                                      {o.batch_size, "fit_options::batch_size"},
                                      {o.seed, "fit_options::seed"},
                                      {o.shuffle, "fit_options::shuffle"},
                                      {bits(o.validation_split), "fit_options::validation_split (its bits)"},
                                      {std::uint64_t(o.monitor), "fit_options::monitor"},
                                      {o.patience, "fit_options::patience"},
                                      {bits(o.min_delta), "fit_options::min_delta (its bits)"},
                                      {o.restore_best, "fit_options::restore_best"}})
        group.same(value, name);
}

/// tg::fit, validated on *validation when it is not null, on this process's shard of every batch of
/// the group's. Whatever a process decides alone, and may throw on, comes before a tally that tells
/// the others (agree): the checks and allocations before training, and each step of an epoch's end.
template <class Net, class T, class Data, class Loss, class Opt, class OnEpoch, class Group>
fit_result fit_with(params<Net, T>& p, const Data& train, const Data* validation, const Loss& loss, Opt& opt,
                    const fit_options& options, OnEpoch& on_epoch, Group& group) {
    static_assert(process_group<Group, Net, T>);
    std::vector<std::size_t> held_out, order;
    std::size_t n = 0, batch_size = 0, batches = 0;
    std::optional<typename trainer_of<Net, T, Data>::type> trainer;
    std::optional<thread_pool> pool;
    std::optional<epoch_snapshot<Net, T>> start_of_epoch, best;
    agree(group, [&](tally&) {
        check_fit<Net, T>(train, validation, options, opt);
        order = split_samples(train.size(), options, held_out);
        n = order.size();
        batch_size = std::min(options.batch_size, n);
        batches = (n + batch_size - 1) / batch_size;
        const std::size_t capacity = (batch_size + group.size() - 1) / group.size();  // rows of a process's shard, at most
        const std::size_t threads = std::min(capacity, thread_count(options.threads));
        check_trainer_memory(decltype(trainer)::value_type::bytes(capacity, threads), threads, capacity);
        trainer.emplace(capacity, threads, group.batch());
        pool.emplace(threads);
        start_of_epoch.emplace();
        if (options.restore_best) best.emplace();
    });
    check_same_everywhere<Net, T>(group, train, validation, options);
    group.broadcast(p);  // every process starts from process 0's parameters
    const Data& validation_set = validation ? *validation : train;
    rng shuffler{options.seed};
    progress_printer printer(group.rank() == 0 ? options.report : progress::none, std::cerr);
    fit_result result;
    const bool watching = options.patience > 0 || options.restore_best;
    double best_figure = 0;
    std::size_t waited = 0;

    // Each epoch shuffles the previous one's order; a resumed run replays the shuffles of the epochs it
    // skips, so that its epochs see the orders (and, from the epoch's number, the dropout masks) of a
    // run from epoch 1.
    const auto shuffle = [&] {
        if (options.shuffle)
            for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[shuffler.next() % (i + 1)]);
    };
    if (options.shuffle)
        for (std::size_t epoch = 1; epoch <= options.initial_epoch; ++epoch) shuffle();
    for (std::size_t epoch = options.initial_epoch + 1; epoch <= options.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        shuffle();
        start_of_epoch->save(p);
        const auto restored = [&] {
            start_of_epoch->restore(p);
            return message("; the parameters are restored to their values at the start of epoch ", epoch,
                           ", but the optimizer's state (its step count, velocity or moments) is not");
        };
        epoch_totals totals;
        try {
            totals = trainer->epoch(p, train, loss, opt, {order.data(), n, batch_size, batches, epoch, options.epochs, options.seed},
                                    *pool, printer, group);
        } catch (const training_error& e) {
            // Thrown before the batch's update: the last update may have made p non-finite.
            if (start_of_epoch->finite(p))
                throw training_error(message(e.what(), "; the parameters are left as the last update made them",
                                             " (a smaller learning rate may help)"));
            throw training_error(message(e.what(), restored(), " (a smaller learning rate may help)"));
        }
        epoch_report report{epoch,
                            options.epochs,
                            totals.loss / totals.weight,
                            Data::labelled ? double(totals.right) / double(n) : std::numeric_limits<double>::quiet_NaN(),
                            batches,
                            0};
        // The epoch's end, in three steps every process takes together: whether training failed or left a
        // parameter not finite; validation and whether the monitored figure improved; the callback.
        const tally trained = agree(group, [&](tally& t) {
            if (totals.failed) std::rethrow_exception(totals.failed);
            t.not_finite = !start_of_epoch->finite(p);
        });
        if (trained.not_finite > 0)
            throw training_error(message("tg::fit: an update of epoch ", epoch, " made a parameter not finite", restored(),
                                         " (a smaller learning rate may help)"));
        group.same_params(p, epoch);
        double figure_now = 0;
        const tally validated = agree(group, [&](tally& t) {
            if (validation || !held_out.empty()) {
                const evaluation v = evaluate_rows<Net>(p, validation_set, loss, held_out);
                report.validation_loss = v.loss;
                report.validation_accuracy = v.accuracy;
            }
            report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            printer.epoch(report);
            result.history.push_back(report);
            if (!watching) return;
            figure_now = figure(report, options.monitor);
            const bool better = larger_is_better(options.monitor) ? figure_now > best_figure + options.min_delta
                                                                  : figure_now < best_figure - options.min_delta;
            t.better = result.best_epoch == 0 ? !std::isnan(figure_now) : better;
        });
        if (watching) {
            if (validated.better == double(group.size())) {  // improved on every process, which is every process's view
                best_figure = figure_now;
                result.best_epoch = epoch;
                waited = 0;
                if (best) best->save(p);
            } else {
                ++waited;
            }
        }
        const tally ended = agree(group, [&](tally& t) {
            if constexpr (epoch_counting<Opt>) opt.end_epoch();  // before the callback, which may save a checkpoint
            t.stop = stop_after(on_epoch, report);
        });
        if (ended.stop > 0) {
            result.stopped = fit_stop::callback;
            break;
        }
        if (options.patience > 0 && waited >= options.patience) {
            result.stopped = fit_stop::patience;
            break;
        }
    }
    if (best && result.best_epoch != 0 && result.best_epoch != result.history.back().epoch) best->restore(p);
    return result;
}

}  // namespace detail

/// Trains p on train for options.epochs epochs; on_epoch(const epoch_report&) is called after each,
/// and training stops early when it returns fit_control::stop. With options.initial_epoch = k, the
/// first k epochs count as run (a run resumed from a checkpoint, io/checkpoint.hpp): fit runs epochs
/// k + 1 … options.epochs with the sample orders and dropout masks those epochs have in a run from
/// epoch 1, so with the parameters and optimizer state saved after epoch k it gives the same bits.
/// An epoch_counting optimizer is told of each epoch's end before on_epoch is called. With
/// options.validation_split, that fraction of train is held out and each epoch is validated on it
/// (epoch_report's validation_loss and validation_accuracy); options.patience stops training when options.monitor has not improved
/// for that many epochs, and options.restore_best ends with the parameters of the best epoch.
/// A non-finite loss or gradient stops training with tg::training_error naming the epoch and batch,
/// before that batch's update: p is then as the last update left it when that is finite, and else
/// restored to its values at the start of the epoch; an update that leaves a parameter non-finite at
/// the end of an epoch restores them too. The message says which; the optimizer's own state (step
/// count, velocity, moments) is not rolled back. The optimizer's hyper-parameters and the options are
/// checked before anything runs (checked_optimizer).
template <network Net, class T, class Data, class Loss, class Opt, class OnEpoch = detail::ignore_epochs>
    requires loss_for<Loss, T, Net::out_size> && optimizer<Opt, params<Net, T>> &&
             std::invocable<OnEpoch&, const epoch_report&> &&
             (std::convertible_to<typename Data::target_type, loss_target_t<Loss, T, Net::out_size>> ||
              detail::sequence_targets<Data, Net, T, Loss>)
fit_result fit(params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt, const fit_options& options = {},
               OnEpoch on_epoch = {}) {
    detail::one_process alone;
    return detail::fit_with(p, train, static_cast<const Data*>(nullptr), loss, opt, options, on_epoch, alone);
}

/// tg::fit validated on a set of its own after each epoch (options.validation_split must be 0).
template <network Net, class T, class Data, class Loss, class Opt, class OnEpoch = detail::ignore_epochs>
    requires loss_for<Loss, T, Net::out_size> && optimizer<Opt, params<Net, T>> &&
             std::invocable<OnEpoch&, const epoch_report&> &&
             (std::convertible_to<typename Data::target_type, loss_target_t<Loss, T, Net::out_size>> ||
              detail::sequence_targets<Data, Net, T, Loss>)
fit_result fit(params<Net, T>& p, const Data& train, const Data& validation, const Loss& loss, Opt& opt,
               const fit_options& options = {}, OnEpoch on_epoch = {}) {
    detail::one_process alone;
    return detail::fit_with(p, train, &validation, loss, opt, options, on_epoch, alone);
}

}  // namespace typegrad
