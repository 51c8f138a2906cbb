// How tg::fit splits a mini-batch step between threads when the network is dense layers, each maybe
// followed by an elementwise activation: by neurons, not by samples. Thread t owns neurons
// tg::split_neurons(Out, t, threads) of every layer, i.e. those rows of W and b, of their gradient and
// of the optimizer's state, and reads and writes no others, so its share of the parameters stays in
// its core's cache from one step to the next. (Of a layer whose neurons split_neurons leaves uncut,
// one panel no multiple of 16 wide, one thread owns the neurons, but each owns the weights from the
// inputs tg::split_inputs gives it.) Per step:
//   forward   each layer: the thread's columns of the layer's output, from all of its input; then a
//             barrier, so that every thread sees the whole output
//   the end   the last layers, whose weights are small (by_samples_from), go by samples: the thread's
//             rows from their forward through the loss back to their ∂L/∂x; a barrier; then the
//             gradient of the thread's rows of their W and b, over all samples
//   backward  each earlier layer: the gradient of the thread's rows of W and b, and the part of ∂L/∂x
//             its neurons make (grad_y[:, own]·W[own, :], into a buffer of its own); a barrier; then
//             the thread adds the parts up for the columns of ∂L/∂x that are its own neurons of the
//             layer below, and multiplies in that layer's activation derivative
//   update    once every thread's gradient is known finite: each thread updates its rows
//             (tg::params_part), or thread 0 updates all for an optimizer that cannot split its step.
// Each thread keeps its own copy of the batch's inputs, and copies the next batch's into a second
// buffer a row at a time while it waits at the barriers; what is left it copies after its update.
// Every sum runs in thread order, so a run is deterministic for a seed and a thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <memory>
#include <numeric>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <typegrad/layers/activations.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/simd.hpp>
#include <typegrad/train/evaluate.hpp>

namespace typegrad::detail {

/// Values in a row of a batch workspace: every layer boundary's activations and their gradients.
template <class Net>
constexpr double row_values() noexcept {
    return 2.0 * double(std::accumulate(Net::sizes.begin(), Net::sizes.end(), std::size_t{0}));
}

/// Threads wait in arrive_and_wait until all `count` have arrived, doing the caller's idle work while
/// there is some, else spinning (the wait between layers is microseconds), then yielding. A thread
/// that fails calls abandon(): the others' waits then throw spin_barrier::abandoned, to be caught where
/// the thread's work starts.
class spin_barrier {
public:
    struct abandoned {};

    explicit spin_barrier(std::size_t count) noexcept : count_(count) {}

    /// While it waits, the thread calls idle() as long as idle() says it did some work (returns true).
    template <class Idle>
    void arrive_and_wait(Idle&& idle) {
        const std::size_t generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
            arrived_.store(0, std::memory_order_relaxed);
            generation_.store(generation + 1, std::memory_order_release);
            return;
        }
        for (unsigned spins = 0; generation_.load(std::memory_order_acquire) == generation;) {
            if (abandoned_.load(std::memory_order_relaxed)) throw abandoned{};
            if (idle()) continue;
            if (spins++ < 4096) {
#if defined(__x86_64__) || defined(__i386__)
                _mm_pause();
#endif
            } else {
                std::this_thread::yield();
            }
        }
    }

    void abandon() noexcept { abandoned_.store(true, std::memory_order_relaxed); }

private:
    std::size_t count_;
    std::atomic<std::size_t> arrived_{0}, generation_{0};
    std::atomic<bool> abandoned_{false};
};

/// @brief Every step of Net's plan is a layer that splits its neurons (tg::splits_neurons: dense),
/// maybe with the elementwise activation it fuses: tg::fit can split its neurons between threads.
template <class Net, class T = float>
concept splits_by_neurons = plan<Net, T>::splits_by_neurons;

/// What the threads of a neuron-split step share: the batch workspace (each thread writing its own
/// columns or rows of it), the gradient, each thread's parts of the input gradients, and the barrier;
/// and each thread's own copies of the batch's inputs, this batch's and the next one's.
template <class Net, class T>
class neuron_split {
public:
    /// About the bytes the constructor allocates: the batch's rows and one gradient, and per thread its
    /// two buffers of the batch's inputs, its queue of pointers to them and (but thread 0) its parts of
    /// every layer's ∂L/∂x.
    static double bytes(std::size_t capacity, std::size_t threads) noexcept {
        const double rows = double(capacity), shared = double(Net::param_count) + rows * row_values<Net>();
        const double per_row = double(sizeof(T)) * (2.0 * double(Net::in_size) + double(part_offset<Net::layer_count>())) +
                               double(sizeof(const T*));
        return double(sizeof(T)) * shared + double(threads) * rows * per_row;
    }

    neuron_split(std::size_t capacity, std::size_t threads)
        : ws_(capacity), grad_(std::make_unique<params<Net, T>>()), barrier_(threads), threads_(threads),
          capacity_(capacity), input_grad_parts_((threads - 1) * capacity * part_offset<Net::layer_count>()),
          loss_(threads), right_(threads), finite_(threads) {
        for (std::size_t b = 0; b < threads * buffers_; ++b) inputs_.emplace_back(capacity);
        for (input_queue& q : queues_) q.rows.resize(capacity);
    }

    /// The rows of a batch of n that thread t takes by samples.
    simd::index_range rows_of(std::size_t n, std::size_t t) const noexcept {
        return split_rows(n, t, threads_);
    }
    /// Queues thread t's inputs of its next batch, row(r) for r < n, as references to samples that stay
    /// put until load_inputs(t). Each thread loads the whole batch into a buffer of its own: every
    /// thread's neurons of the first layer read every row, and a core reading rows that another core
    /// wrote made a two-thread step 3–4% slower than each reading them from the data set. It copies them
    /// a row at a time while it waits at the step's barriers, into the buffer the step does not read,
    /// so that the copy mostly fills time the thread would spend waiting anyway.
    template <class Row>
    void queue_inputs(std::size_t t, std::size_t n, Row&& row) noexcept {
        input_queue& q = queues_[t];
        for (std::size_t r = 0; r < n; ++r) q.rows[r] = row(r).data();
        q.count = n;
        q.loaded = 0;
    }
    /// Copies the rest of thread t's queued inputs: its next step reads them.
    void load_inputs(std::size_t t) noexcept {
        while (load_queued_row(t)) {}
        input_queue& q = queues_[t];
        if (q.count > 0) q.current = next_buffer(q);
        q.count = q.loaded = 0;
    }
    /// The barrier, at which thread t copies its queued inputs while it waits.
    void wait(std::size_t t) {
        barrier_.arrive_and_wait([this, t] { return buffers_ > 1 && load_queued_row(t); });
    }
    /// The batch's gradient, once value_and_grad has returned (tg::mpi::fit sums it across processes).
    params<Net, T>& grad() noexcept { return *grad_; }
    const params<Net, T>& grad() const noexcept { return *grad_; }
    spin_barrier& barrier() noexcept { return barrier_; }
    std::size_t threads() const noexcept { return threads_; }

    /// Thread t's share of a step on the n rows it loaded. Every thread calls it; it returns once all
    /// are done: loss(), right() and finite() then cover every thread's share.
    /// The loss's gradient is scaled by `scale` (1 / the batch's weight, for its mean). With Labelled,
    /// target(r) is a class index and right() counts the rows whose largest output it is.
    template <bool Labelled, class Target, class Loss>
    void value_and_grad(const params<Net, T>& p, std::size_t n, Target&& target, const Loss& loss, T scale,
                        std::size_t t) {
        // Layers that read all of W (by samples, or a first layer whose neurons are uncut while the
        // threads updated its weights by inputs): wait until every update is in.
        if constexpr (by_samples_from == 0 || uncut_panel(Net::template layer_type<0>::out_size))
            wait(t);
        // The steps before by_samples_from, by neurons: the thread's columns of each output, then a barrier.
        walk_steps<Net, T>([&](auto step) {
            constexpr std::size_t I = step;
            if constexpr (I < by_samples_from) {
                using L = typename Net::template layer_type<I>;
                L::template forward_batch_neurons<activation_of<I>>(get<I>(p), n, values<I>(t), ws_.template values<I + 1>(),
                                                                    ws_.template values<P::template after<I>>(),
                                                                    split_neurons(L::out_size, t, threads_));
                wait(t);
            }
        });
        // The last steps go by samples: the thread's rows, from their forward through the loss to their
        // ∂L/∂x, which needs no parts added up; then, after a barrier, their weight gradients by neurons.
        const simd::index_range rows = rows_of(n, t);
        walk_steps<Net, T>([&](auto step) {
            constexpr std::size_t I = step;
            if constexpr (I >= by_samples_from)
                Net::template layer_type<I>::template forward_batch_samples<activation_of<I>>(
                    get<I>(p), values<I>(t), ws_.template values<I + 1>(), ws_.template values<P::template after<I>>(),
                    rows);
        });
        loss_[t] = row_losses(ws_, rows.lo, rows.hi, target, loss, scale);
        right_[t] = 0;
        if constexpr (Labelled)
            for (std::size_t r = rows.lo; r < rows.hi; ++r)
                right_[t] += argmax(ws_.output(r), Net::out_size) == std::size_t(target(r));
        if constexpr (P::template fused_away<Net::layer_count - 1>) activation_grad<Net::layer_count>(rows);
        // ∂L/∂x of the thread's rows through those steps (none for layer 0), and their activations.
        walk_steps<Net, T, true>([&](auto step) {
            constexpr std::size_t I = step;
            if constexpr (I >= by_samples_from && I > 0) {
                Net::template layer_type<I>::input_grad_samples(get<I>(p), ws_.template gradients<I + 1>(),
                                                                ws_.template gradients<I>(), rows);
                if constexpr (P::template fused_away<I - 1>) activation_grad<I>(rows);
            }
        });
        wait(t);
        walk_steps<Net, T, true>([&](auto step) {
            constexpr std::size_t I = step;
            if constexpr (I >= by_samples_from) layer_grad<I>(p, n, t, nullptr);
        });
        walk_steps<Net, T, true>([&](auto step) {
            constexpr std::size_t I = step;
            if constexpr (I < by_samples_from) backward<I>(p, n, t);
        });
        finite_[t] = own_part_finite(t);
        wait(t);
    }

    /// The batch's summed loss, in thread order; its count of right answers; whether the gradient is finite.
    T loss() const noexcept { return std::accumulate(loss_.begin(), loss_.end(), T{}); }
    std::size_t right() const noexcept { return std::accumulate(right_.begin(), right_.end(), std::size_t{0}); }
    bool finite() const noexcept { return std::all_of(finite_.begin(), finite_.end(), [](bool f) { return f; }); }

private:
    using P = plan<Net, T>;
    /// The activation step I fuses, or void.
    template <std::size_t I>
    using activation_of = typename P::template fused_activation<I>;
    static constexpr std::size_t by_samples_from = P::by_samples_from;

    /// The rows entering layer I as thread t reads them: its own inputs, the shared activations.
    template <std::size_t I>
    auto& values(std::size_t t) noexcept {
        if constexpr (I == 0) return inputs_[t * buffers_ + queues_[t].current];
        else return ws_.template values<I>();
    }

    /// Where, in a thread's buffer of input-gradient parts, the part for boundary K starts (per row).
    template <std::size_t K>
    static constexpr std::size_t part_offset() {
        std::size_t sum = 0;
        for (std::size_t k = 1; k < K; ++k) sum += Net::sizes[k];
        return sum;
    }

    /// Thread t's part of ∂L/∂(input of dense layer I), n rows of Net::sizes[I]: thread 0 writes its
    /// part where the sum goes, the others into their own buffers.
    template <std::size_t I>
    T* input_grad_part(std::size_t t) noexcept {
        if (t == 0) return ws_.template gradients<I>().data();
        return input_grad_parts_.data() + ((t - 1) * part_offset<Net::layer_count>() + part_offset<I>()) * capacity_;
    }

    // Thread t's part of the gradient of step I's layer (W and b), and, unless grad_x_part is null, the
    // part of ∂L/∂x its neurons make: its neurons' rows of W, or, of a layer whose neurons
    // split_neurons leaves uncut, every neuron's weights from its inputs (split_inputs), as
    // for_each_run gives the thread that layer's parameters to check and update.
    template <std::size_t I>
    void layer_grad(const params<Net, T>& p, std::size_t n, std::size_t t, T* grad_x_part) {
        using L = typename Net::template layer_type<I>;
        const simd::index_range r = split_neurons(L::out_size, t, threads_);
        if constexpr (uncut_panel(L::out_size))
            L::backward_batch_inputs(get<I>(p), n, values<I>(t), ws_.template gradients<I + 1>(), grad_x_part,
                                     get<I>(*grad_), r, split_inputs(Net::sizes[I], L::out_size, t, threads_));
        else
            L::backward_batch_neurons(get<I>(p), n, values<I>(t), ws_.template gradients<I + 1>(), grad_x_part,
                                      get<I>(*grad_), r);
    }

    // A step before by_samples_from, whose output's ∂L is complete in thread t's columns: its part of
    // the gradient and of ∂L/∂x (layer_grad); after a barrier, the parts added up for the layer below.
    // Split by inputs, a layer's weight gradient reads every column: when the next step went by
    // neurons too, a barrier first waits until every thread has summed its columns.
    template <std::size_t I>
    void backward(const params<Net, T>& p, std::size_t n, std::size_t t) {
        if constexpr (uncut_panel(Net::template layer_type<I>::out_size) && P::template after<I> < by_samples_from)
            wait(t);
        layer_grad<I>(p, n, t, I > 0 ? input_grad_part<I>(t) : nullptr);
        if constexpr (I > 0) {
            wait(t);
            sum_input_grad_parts<I, P::template fused_away<I - 1>>(n, split_neurons(Net::sizes[I], t, threads_));
        }
    }

    // Columns c of ∂L/∂(input of dense layer I): the threads' parts added up (in thread 0's part), then,
    // when an activation precedes, times its derivative, into ∂L/∂(the activation's input).
    template <std::size_t I, bool Activation>
    void sum_input_grad_parts(std::size_t n, simd::index_range c) noexcept {
        constexpr std::size_t width = Net::sizes[I];
        T* sum = input_grad_part<I>(0);
        for (std::size_t s = 0; s < n; ++s) {
            const auto at = [&]<class V>(std::size_t j) {
                const auto load = [](const T* x) {
                    if constexpr (std::is_same_v<V, T>) return *x;
                    else return V::load_unaligned(x);
                };
                const auto store = [](T* x, V v) {
                    if constexpr (std::is_same_v<V, T>) *x = v;
                    else v.store_unaligned(x);
                };
                const std::size_t i = s * width + j;
                V g = load(sum + i);
                for (std::size_t k = 1; k < threads_; ++k) g += load(input_grad_part<I>(k) + i);
                if constexpr (Activation) {
                    using A = typename Net::template layer_type<I - 1>;
                    store(ws_.template gradients<I - 1>().data() + i,
                          g * activation_derivative<A, V>(ws_.template values<I - 1>().data() + i,
                                                          ws_.template values<I>().data() + i));
                } else {
                    store(sum + i, g);
                }
            };
            std::size_t j = c.lo;
            for (; j + simd::width<T> <= c.hi; j += simd::width<T>) at.template operator()<simd::batch<T>>(j);
            for (; j < c.hi; ++j) at.template operator()<T>(j);
        }
    }

    // Rows r of ∂L/∂(input of the activation before boundary K) = ∂L/∂(boundary K) ⊙ its derivative,
    // a function of the activation's input (boundary K - 1) or of its output (boundary K).
    template <std::size_t K>
    void activation_grad(simd::index_range r) noexcept {
        using A = typename Net::template layer_type<K - 1>;
        const auto& at = ws_.template values<derivative_from_input<A> ? K - 1 : K>();
        for (std::size_t s = r.lo; s < r.hi; ++s)
            simd::map<Net::sizes[K]>(ws_.template gradients<K>().row(s), at.row(s), ws_.template gradients<K - 1>().row(s),
                                     [](auto g, auto v) {
                                         if constexpr (derivative_from_input<A>) return g * A::derivative(v);
                                         else return g * A::derivative_from_output(v);
                                     });
    }

    bool own_part_finite(std::size_t t) const noexcept {
        bool finite = true;
        for_each_tensor(
            [&](std::size_t, std::string_view, const auto& g) {
                for_each_run<std::remove_cvref_t<decltype(g)>>({t, threads_}, [&](std::size_t first, std::size_t count) {
                    finite = finite && simd::all_finite(g.data() + first, count);
                });
            },
            *grad_);
        return finite;
    }

    /// One thread's next batch: the rows it has queued, and how many of them it has copied so far.
    struct alignas(64) input_queue {  // a cache line each: every thread writes its own
        std::vector<const T*> rows;
        std::size_t count = 0, loaded = 0;
        std::size_t current = 0;  // which of the thread's buffers its step reads
    };

    /// The buffer a thread's queued inputs go to: with two, the one its step does not read.
    std::size_t next_buffer(const input_queue& q) const noexcept { return (q.current + 1) % buffers_; }

    /// Copies thread t's next queued row; false if none is left.
    bool load_queued_row(std::size_t t) noexcept {
        input_queue& q = queues_[t];
        if (q.loaded == q.count) return false;
        std::copy_n(q.rows[q.loaded], Net::in_size, inputs_[t * buffers_ + next_buffer(q)].row(q.loaded));
        ++q.loaded;
        return true;
    }

    batch_workspace<Net, T> ws_;  // its inputs are not used: each thread reads its own
    std::unique_ptr<params<Net, T>> grad_;  // on the heap: a large network's params do not fit a stack
    spin_barrier barrier_;
    std::size_t threads_, capacity_;
    std::size_t buffers_ = threads_ > 1 ? 2 : 1;  // per thread; one thread alone never waits, so it loads after its step
    std::vector<rows<T, Net::in_size>> inputs_;  // thread t's buffers from t · buffers_ on
    std::vector<input_queue> queues_{threads_};
    std::vector<T> input_grad_parts_;  // threads 1, 2, …: every boundary's part, capacity rows each
    std::vector<T> loss_;
    std::vector<std::size_t> right_;
    std::vector<char> finite_;
};

}  // namespace typegrad::detail
