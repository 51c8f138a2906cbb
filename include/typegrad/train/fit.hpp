// tg::fit: mini-batch training as the seed's notes define it. Every epoch shuffles the samples (from
// the seed), cuts them into ⌈N / batch_size⌉ batches, the last one possibly smaller, and makes one
// optimizer update per batch from the mean of its samples' gradients. A batch runs on the batch path,
// split over threads: a network of dense layers and elementwise activations by neurons
// (train/neuron_split.hpp), any other by samples, each thread summing its rows' gradients. Sums run in
// a fixed order, so a run is deterministic for a seed and a thread count.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/layers/batch_parts.hpp>
#include <typegrad/layers/init.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/simd.hpp>
#include <typegrad/train/evaluate.hpp>
#include <typegrad/train/neuron_split.hpp>
#include <typegrad/train/progress.hpp>
#include <typegrad/train/thread_pool.hpp>

namespace typegrad {

struct fit_options {
    std::size_t epochs = 1;
    std::size_t batch_size = 32;             // samples per update; the last batch of an epoch may be smaller
    std::uint64_t seed = 0;                  // the shuffling order and dropout's masks
    std::size_t threads = 0;                 // threads a batch is split over; 0 = every core
    bool shuffle = true;                     // false: the samples in their stored order
    progress report = progress::automatic;   // on std::cerr
};

struct fit_result {
    std::vector<epoch_report> history;  // one report per epoch
};

namespace detail {

struct ignore_epochs {
    void operator()(const epoch_report&) const noexcept {}
};

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

/// What an epoch's batches scored: their summed loss and right answers.
struct epoch_totals {
    double loss = 0;
    std::size_t right = 0;
};

/// The error that stops tg::fit at batch b of an epoch whose loss or gradient is not finite.
inline training_error not_finite(bool loss_finite, const epoch_plan& plan, std::size_t b) {
    return training_error(message("tg::fit: the ", loss_finite ? "gradient" : "loss", " is not finite at epoch ",
                                  plan.epoch, ", batch ", b + 1, " of ", plan.batches, "; the parameters are left as ",
                                  plan.epoch == 1 && b == 0 ? "they were before training" : "the last good update made them",
                                  " (a smaller learning rate may help)"));
}

/// The error that stops tg::fit at batch b of an epoch whose update made a parameter non-finite.
inline training_error update_not_finite(const epoch_plan& plan, std::size_t b) {
    return training_error(message("tg::fit: the update at epoch ", plan.epoch, ", batch ", b + 1, " of ", plan.batches,
                                  " made a parameter not finite; the parameters are restored to their values before "
                                  "that update, but the optimizer's state (its step count, velocity or moments) has "
                                  "taken that step (a smaller learning rate may help)"));
}

/// Keeps the parameters as they were before an update, so that an update that makes one of them
/// non-finite can be undone: each thread saves the rows it is about to update (a params_part) and
/// checks them afterwards. The copy is on the heap, made once.
template <class Net, class T>
class update_guard {
public:
    explicit update_guard(std::size_t threads) : saved_(std::make_unique<params<Net, T>>()), finite_(threads, 1) {}

    /// Copies the rows of p that `part` updates (by default, all of p).
    void save(const params<Net, T>& p, params_part part = {}) noexcept {
        for_each_tensor(
            [&](std::size_t, std::string_view, auto& saved, const auto& w) {
                const simd::index_range r = tensor_part<std::remove_cvref_t<decltype(w)>>(part);
                std::copy(w.data() + r.lo, w.data() + r.hi, saved.data() + r.lo);
            },
            *saved_, p);
    }
    /// Records whether the rows of p that `part` updated (by default, all of p) are finite.
    void check(const params<Net, T>& p, params_part part = {}) noexcept {
        bool finite = true;
        for_each_tensor(
            [&](std::size_t, std::string_view, const auto& w) {
                const simd::index_range r = tensor_part<std::remove_cvref_t<decltype(w)>>(part);
                finite = finite && finite_rows(w.data() + r.lo, r.hi - r.lo);
            },
            p);
        finite_[part.part] = finite;
    }
    /// Whether every part checked since the last save was finite.
    bool finite() const noexcept { return std::all_of(finite_.begin(), finite_.end(), [](char f) { return f != 0; }); }
    /// Puts back every row saved (every part must have been saved since the update).
    void restore(params<Net, T>& p) const noexcept {
        for_each_tensor(
            [](std::size_t, std::string_view, auto& w, const auto& saved) {
                std::copy(saved.data(), saved.data() + saved.size(), w.data());
            },
            p, *saved_);
    }

private:
    // Out of GCC's sight: inlined with a whole tensor's constant size, GCC 12 warns (-Werror) of a loop
    // that runs 2^61 times in simd::all_finite.
#if defined(__GNUC__) && !defined(__clang__)
    [[gnu::noipa]]
#endif
    static bool finite_rows(const T* x, std::size_t n) noexcept {
        return simd::all_finite(x, n);
    }

    std::unique_ptr<params<Net, T>> saved_;
    std::vector<char> finite_;  // one per part
};

/// tg::fit's threads split each batch by samples: each runs the batch path on its rows into a
/// gradient of its own; the gradients are summed (each thread a slice) and thread 0 updates.
template <class Net, class T>
class fit_by_samples {
public:
    fit_by_samples(std::size_t batch_size, std::size_t threads) : split_(threads) {
        parts_.reserve(threads);
        for (std::size_t t = 0; t < threads; ++t) parts_.emplace_back((batch_size + threads - 1) / threads);
    }

    template <class Data, class Loss, class Opt>
    epoch_totals epoch(params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt, const epoch_plan& plan,
                       thread_pool& pool, progress_printer& printer) {
        const std::size_t threads = parts_.size();
        epoch_totals totals;
        for (std::size_t b = 0; b < plan.batches; ++b) {
            const std::size_t begin = plan.begin(b), count = plan.count(b);
            const std::uint64_t key = batch_key(plan.seed, plan.epoch, b);
            auto job = [&](std::size_t t) {
                batch_part<Net, T>& part = parts_[t];
                const std::size_t lo = count * t / threads, rows = count * (t + 1) / threads - lo;
                const std::size_t* samples = plan.order + begin + lo;
                part.right = 0;
                // Even without rows a thread runs the pass: the others may wait for it in split_.share.
                try {
                    for (std::size_t r = 0; r < rows; ++r) part.ws.set_input(r, train.inputs[samples[r]]);
                    part.loss = value_and_grad_rows<Net>(
                        p, part.ws, rows, [&](std::size_t r) -> const auto& { return train.targets[samples[r]]; },
                        loss, *part.grad, T{1} / T(count),
                        batch_info{mode::training, key, lo, threads > 1 ? &split_ : nullptr, t}, grad_mode::assign);
                } catch (...) {
                    split_.abandon();
                    throw;
                }
                if constexpr (Data::labelled)
                    for (std::size_t r = 0; r < rows; ++r)
                        part.right += argmax(part.ws.output(r), Net::out_size) == train.targets[samples[r]];
            };
            pool.run(job);
            auto reduce = [&](std::size_t t) { parts_[t].finite = reduce_slice(parts_, t); };
            pool.run(reduce);
            double batch_loss = 0;
            bool finite = true;
            for (const auto& part : parts_) {
                batch_loss += part.loss;
                finite = finite && part.finite;
            }
            if (!std::isfinite(batch_loss) || !finite) throw not_finite(std::isfinite(batch_loss), plan, b);
            guard_.save(p);
            opt.step(p, *parts_[0].grad);
            guard_.check(p);
            if (!guard_.finite()) {
                guard_.restore(p);
                throw update_not_finite(plan, b);
            }
            update_running_statistics<Net>(p, parts_[0].ws);  // every thread holds the whole batch's statistics
            totals.loss += batch_loss;
            for (const auto& part : parts_) totals.right += part.right;
            printer.batch(plan.epoch, plan.epochs, b + 1, plan.batches, totals.loss / double(begin + count));
        }
        return totals;
    }

private:
    std::vector<batch_part<Net, T>> parts_;
    batch_parts split_;  // lets batch_norm see the statistics of the other threads' rows
    update_guard<Net, T> guard_{1};
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

/// tg::fit's threads split each batch by neurons (train/neuron_split.hpp): one run of the pool per
/// epoch, the threads meeting at spin barriers; thread 0 checks, counts and reports each batch.
template <class Net, class T>
class fit_by_neurons {
public:
    fit_by_neurons(std::size_t batch_size, std::size_t threads) : split_(batch_size, threads), guard_(threads) {}

    template <class Data, class Loss, class Opt>
    epoch_totals epoch(params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt, const epoch_plan& plan,
                       thread_pool& pool, progress_printer& printer) {
        constexpr bool splittable = splittable_optimizer<Opt, params<Net, T>>;
        std::optional<typename update_of<Opt, params<Net, T>>::type> update;
        epoch_totals totals;
        auto job = [&](std::size_t t) {
            const std::size_t threads = split_.threads();
            // Each thread loads the batch's inputs for itself: those of the next batch while it waits at
            // the step's barriers, and what is left of them after its update.
            const auto queue = [&](std::size_t b) {
                const std::size_t* samples = plan.order + plan.begin(b);
                split_.queue_inputs(t, plan.count(b), [&](std::size_t r) -> const auto& { return train.inputs[samples[r]]; });
            };
            // A split update is checked by thread 0 once every thread has made its part: at the next
            // batch, after its gradient (the others then wait at split_.wait), or after the last one.
            const auto check_update = [&](std::size_t b) {
                if (!guard_.finite()) {
                    guard_.restore(p);
                    throw update_not_finite(plan, b);
                }
            };
            try {
                queue(0);
                split_.load_inputs(t);
                for (std::size_t b = 0; b < plan.batches; ++b) {
                    const std::size_t begin = plan.begin(b), count = plan.count(b);
                    const std::size_t* samples = plan.order + begin;
                    if (b + 1 < plan.batches) queue(b + 1);
                    split_.template value_and_grad<Data::labelled>(
                        p, count, [&](std::size_t r) -> const auto& { return train.targets[samples[r]]; }, loss, t);
                    if (t == 0) {
                        if constexpr (splittable)
                            if (b > 0) check_update(b - 1);
                        const double batch_loss = split_.loss();
                        if (!std::isfinite(batch_loss) || !split_.finite())
                            throw not_finite(std::isfinite(batch_loss), plan, b);
                        if constexpr (splittable) {
                            update.emplace(opt.start_step(p));
                        } else {
                            guard_.save(p);
                            opt.step(p, split_.grad());
                            guard_.check(p);
                            check_update(b);
                        }
                        totals.loss += batch_loss;
                        totals.right += split_.right();
                        printer.batch(plan.epoch, plan.epochs, b + 1, plan.batches, totals.loss / double(begin + count));
                    }
                    split_.wait(t);
                    if constexpr (splittable) {
                        guard_.save(p, {t, threads});
                        (*update)(p, split_.grad(), params_part{t, threads});
                        guard_.check(p, {t, threads});
                    }
                    split_.load_inputs(t);
                }
                if constexpr (splittable) {
                    split_.wait(t);
                    if (t == 0) check_update(plan.batches - 1);
                }
            } catch (const spin_barrier::abandoned&) {
                // Another thread failed; its exception is the one fit throws.
            } catch (...) {
                split_.barrier().abandon();
                throw;
            }
        };
        pool.run(job);
        return totals;
    }

private:
    neuron_split<Net, T> split_;
    update_guard<Net, T> guard_;
};

}  // namespace detail

/// Trains p on train for options.epochs epochs; on_epoch(const epoch_report&) is called after each.
/// A non-finite loss or gradient stops training with tg::training_error naming the epoch and batch,
/// before that batch's update; so does an update that makes a parameter non-finite (a learning rate
/// too large), after which p is restored to its values before that update. Either way p is as the
/// last good update left it (the optimizer's state may have taken the bad step). The optimizer's
/// hyper-parameters are checked before anything runs (checked_optimizer).
template <network Net, class T, class Data, class Loss, class Opt, class OnEpoch = detail::ignore_epochs>
    requires loss_for<Loss, T, Net::out_size> && optimizer<Opt, params<Net, T>> &&
             std::convertible_to<typename Data::target_type, loss_target_t<Loss, T, Net::out_size>>
fit_result fit(params<Net, T>& p, const Data& train, const Loss& loss, Opt& opt, const fit_options& options = {},
               OnEpoch on_epoch = {}) {
    detail::check_data<Net, T, Data>();
    train.check();
    if (train.empty()) throw value_error("tg::fit: the training set is empty");
    if (options.batch_size == 0) throw value_error("tg::fit: batch_size is 0, expected at least 1");
    if constexpr (checked_optimizer<Opt, T>) opt.template check<T>();

    const std::size_t n = train.size();
    const std::size_t batch_size = std::min(options.batch_size, n);
    const std::size_t batches = (n + batch_size - 1) / batch_size;
    const std::size_t threads =
        std::min(batch_size, options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency()));

    std::conditional_t<detail::splits_by_neurons<Net>, detail::fit_by_neurons<Net, T>, detail::fit_by_samples<Net, T>>
        trainer(batch_size, threads);
    thread_pool pool(threads);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    rng shuffler{options.seed};
    detail::progress_printer printer(options.report, std::cerr);
    fit_result result;

    for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        if (options.shuffle)
            for (std::size_t i = n - 1; i > 0; --i) std::swap(order[i], order[shuffler.next() % (i + 1)]);
        const detail::epoch_totals totals = trainer.epoch(
            p, train, loss, opt, {order.data(), n, batch_size, batches, epoch, options.epochs, options.seed}, pool,
            printer);
        const epoch_report report{
            epoch,
            options.epochs,
            totals.loss / double(n),
            Data::labelled ? double(totals.right) / double(n) : std::numeric_limits<double>::quiet_NaN(),
            batches,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
        printer.epoch(report);
        result.history.push_back(report);
        on_epoch(report);
    }
    return result;
}

}  // namespace typegrad
