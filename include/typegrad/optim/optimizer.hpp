// The optimizer concept: anything that updates a network's parameters from a gradient of the same
// type. Optimizers visit the tensors with tg::for_each_tensor (one SIMD pass each, no allocation);
// stateful ones (momentum, adam) keep their state as params values of the same type, allocated once.
// The built-in ones also split a step between threads: o.start_step(p) does what happens once per step
// (allocating state, counting the step) and returns an update that each thread then applies to its
// part of the parameters (tg::params_part).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <numeric>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <typegrad/core/error.hpp>
#include <typegrad/core/panel_mat.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/gemm.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad {

/// @brief O can update params P in place from a gradient P: o.step(p, grad).
template <class O, class P>
concept optimizer = is_params<P> && requires(O& o, P& p, const P& grad) { o.step(p, grad); };

namespace detail {
/// Part `part` of `parts` of [0, count): every cut but the last at the even share rounded down to a
/// multiple of `grain`, and at most `limit`.
constexpr simd::index_range even_split(std::size_t count, std::size_t part, std::size_t parts, std::size_t grain,
                                       std::size_t limit = ~std::size_t{0}) noexcept {
    const auto cut = [&](std::size_t k) {
        return k == parts ? count : std::min(count * k / parts / grain * grain, limit);
    };
    return {cut(part), cut(part + 1)};
}
}  // namespace detail

/// Rows [lo, hi) of `count` that part `part` of `parts` takes: shares as even as whole rows allow, cut
/// at multiples of 16 when every share still gets 16 or more (so that each part of a row-major matrix
/// of floats starts at a cache line).
constexpr simd::index_range split_rows(std::size_t count, std::size_t part, std::size_t parts) noexcept {
    return detail::even_split(count, part, parts, count >= 16 * parts ? 16 : 1);
}

/// Neurons [lo, hi) of `count` that part `part` of `parts` takes: the even share rounded down to a
/// multiple of 16, so that threads write whole cache lines of W's panels (tg::panel_mat) and of b.
/// A last panel whose width is no multiple of 16 is never cut: its stored columns do not start at
/// cache lines, so two threads would write each one. Such a panel goes whole to one thread; so does a
/// layer of fewer than 16 neurons a thread.
constexpr simd::index_range split_neurons(std::size_t count, std::size_t part, std::size_t parts) noexcept {
    return detail::even_split(count, part, parts, 16, count % 16 == 0 ? count : count - count % panel_rows);
}

/// Whether split_neurons leaves a layer of `count` neurons uncut: one panel whose width is no multiple
/// of 16. tg::fit's threads then split its weight gradient by inputs instead (split_inputs).
constexpr bool uncut_panel(std::size_t count) noexcept { return count < panel_rows && count % 16 != 0; }

/// Inputs [lo, hi) of `inputs` that part `part` of `parts` takes in an uncut panel `width` neurons wide,
/// i.e. its stored rows, each of `width` values: even shares, cut where a stored row starts at a
/// cache line (every 4th for a width of 20), so that each part is one block of whole cache lines.
constexpr simd::index_range split_inputs(std::size_t inputs, std::size_t width, std::size_t part,
                                         std::size_t parts) noexcept {
    return detail::even_split(inputs, part, parts, 16 / std::gcd(width, std::size_t{16}));  // whole cache lines
}

/// The share of a network's parameters that one of `parts` threads updates: of every tensor, the rows
/// (a vector's entries) split_neurons gives it, and of an uncut panel the inputs split_inputs gives
/// it. Those are the weights whose gradient the thread computed when tg::fit splits every layer's
/// neurons between threads.
struct params_part {
    std::size_t part = 0, parts = 1;
};

/// @brief O can also split a step between threads: `o.start_step(p)` once, then the update it returns
/// called by each thread on its part, `update(p, grad, params_part{part, parts})`.
template <class O, class P>
concept splittable_optimizer =
    optimizer<O, P> && requires(O& o, P& p, const P& grad) { o.start_step(p)(p, grad, params_part{}); };

/// @brief O checks its hyper-parameters for parameters of type T: `o.template check<T>()` throws
/// tg::value_error naming the first bad one. tg::fit calls it before training; the built-in
/// optimizers also call it at every step.
template <class O, class T>
concept checked_optimizer = requires(const O& o) { o.template check<T>(); };

namespace detail {

/// The largest finite T, as a double.
template <scalar T>
inline constexpr double largest_finite = static_cast<double>(std::numeric_limits<T>::max());

/// The value_error of check_hyper_parameter, out of line: the check runs at every step, and the
/// message's formatting kept it from being inlined (5% of a per-sample tg::sgd_step).
template <scalar T>
[[noreturn, gnu::cold, gnu::noinline]] void hyper_parameter_error(std::string_view who, std::string_view option,
                                                                  double value, bool below_one) {
    throw value_error(message(who, ": ", option, " is ", value, ", expected ",
                              below_one ? "a number in [0, 1)" : "a finite number >= 0",
                              std::isfinite(value) && value > largest_finite<T>
                                  ? (std::is_same_v<T, float> ? " that fits a float" : " that fits a double")
                                  : ""));
}

/// Throws value_error unless `value`, the hyper-parameter `option` of optimizer `who`, is a number
/// >= 0 that stays finite as a T (1e39 is infinite as a float), and below 1 when `below_one`.
template <scalar T>
TYPEGRAD_ALWAYS_INLINE inline void check_hyper_parameter(std::string_view who, std::string_view option, double value,
                                                         bool below_one = false) {
    if (value >= 0 && value <= largest_finite<T> && (!below_one || value < 1)) [[likely]]
        return;  // false for NaN
    hyper_parameter_error<T>(who, option, value, below_one);
}

template <class P>
inline constexpr char params_tag = 0;  // its address identifies the params type P

/// A stateful optimizer's state: K values of the params type of its first step, zero at first, in
/// one allocation made on that step (and, for a params type that keeps its tensors on the heap, one
/// each), and the number of steps made. A later step
/// with another params type is a tg::value_error. Copies are deep (a copy continues exactly as the
/// original would); a moved-from state is empty and starts over.
class optimizer_state {
public:
    optimizer_state() = default;
    optimizer_state(const optimizer_state& other)
        : state_(other.state_ ? holder(other.copy_(other.state_.get()), other.state_.get_deleter()) : holder()),
          copy_(other.copy_), tag_(other.tag_), values_(other.values_), scalar_(other.scalar_), steps_(other.steps_) {}
    optimizer_state(optimizer_state&& other) noexcept
        : state_(std::move(other.state_)), copy_(std::exchange(other.copy_, nullptr)),
          tag_(std::exchange(other.tag_, nullptr)), values_(std::exchange(other.values_, 0)), scalar_(other.scalar_),
          steps_(std::exchange(other.steps_, 0)) {}
    optimizer_state& operator=(optimizer_state other) noexcept {
        std::swap(state_, other.state_);
        std::swap(copy_, other.copy_);
        std::swap(tag_, other.tag_);
        std::swap(values_, other.values_);
        std::swap(scalar_, other.scalar_);
        std::swap(steps_, other.steps_);
        return *this;
    }
    ~optimizer_state() = default;

    /// The K state values for params type P, allocated and zeroed on the first call. `who` names the
    /// optimizer in the error a call with another params type throws.
    template <std::size_t K, class P>
    P* values(std::string_view who) {
        static_assert(is_params<P>);
        using array = std::array<P, K>;
        if (!state_) {
            state_ = holder(new array{}, deleter{[](void* a) { delete static_cast<array*>(a); }});
            copy_ = [](const void* a) -> void* { return new array(*static_cast<const array*>(a)); };
            tag_ = &params_tag<P>;
            values_ = P::net_type::param_count;
            scalar_ = scalar_name<P>;
        } else {
            check_type<P>(who);
        }
        return static_cast<array*>(state_.get())->data();
    }

    /// The K state values for params type P, or nullptr before the first step (for saving them
    /// without allocating). Throws as values() does for another params type.
    template <std::size_t K, class P>
    const P* find(std::string_view who) const {
        if (!state_) return nullptr;
        check_type<P>(who);
        return static_cast<const std::array<P, K>*>(state_.get())->data();
    }

    std::size_t steps() const noexcept { return steps_; }
    std::size_t count_step() noexcept { return ++steps_; }
    void set_steps(std::size_t steps) noexcept { steps_ = steps; }  // a loaded checkpoint's

private:
    template <class P>
    static constexpr const char* scalar_name = std::is_same_v<typename P::value_type, float> ? "float" : "double";

    template <class P>
    void check_type(std::string_view who) const {
        if (tag_ == &params_tag<P>) return;
        throw value_error(message(who, ": this optimizer's state was made for a params of ", values_, ' ', scalar_,
                                  " values, but step() was given a params of ", P::net_type::param_count, ' ',
                                  scalar_name<P>, " values of another type; use one optimizer per network, or reset() it"));
    }

    struct deleter {
        void (*destroy)(void*);  // no default member initialiser: unique_ptr needs it complete here
        void operator()(void* a) const noexcept { destroy(a); }
    };
    using holder = std::unique_ptr<void, deleter>;

    holder state_;                             // a std::array<P, K> of the params type P of the first step
    void* (*copy_)(const void*) = nullptr;     // a deep copy of it
    const void* tag_ = nullptr;                // &params_tag<P>
    std::size_t values_ = 0;                   // P's parameter count and element type, for the error message
    const char* scalar_ = "";
    std::size_t steps_ = 0;
};

/// Calls f(first, count) for each run of `count` consecutive elements of a tensor of type W that
/// `part` takes: the rows split_neurons gives it (a vector's entries count as rows). That is one run,
/// except in a tg::panel_mat's panel of which the part has only some rows: there, the part of each
/// of the panel's stored columns. Of an uncut panel (uncut_panel), the part takes the stored rows
/// split_inputs gives it, one run. f is called from one place, so that it is inlined once.
template <class W, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void for_each_run(params_part part, F&& f) {
    std::size_t rows = W::size();
    if constexpr (requires { W::rows(); }) rows = W::rows();
    const std::size_t per_row = W::size() / rows;
    if constexpr (!is_panel_mat<W>) {
        const simd::index_range r = split_neurons(rows, part.part, part.parts);
        f(r.lo * per_row, (r.hi - r.lo) * per_row);
    } else {
        const bool by_inputs = uncut_panel(rows);
        const simd::index_range r = by_inputs ? split_inputs(per_row, rows, part.part, part.parts)
                                              : split_neurons(rows, part.part, part.parts);
        for (std::size_t row = r.lo; row < r.hi;) {  // (by inputs: once)
            const std::size_t r0 = row - row % panel_rows, width = std::min(panel_rows, rows - r0);
            const std::size_t end = std::min(r.hi, r0 + width);
            std::size_t first = r0 * per_row + row - r0, count = end - row, runs = per_row;  // by stored column
            if (by_inputs) {  // the one panel's stored rows r: one run
                first = r.lo * rows, count = (r.hi - r.lo) * rows, runs = 1;
                row = r.hi;
            } else if (row == r0 && end == r0 + width) {  // whole panels, up to the part's last whole one: one run
                const std::size_t last = r.hi == rows ? rows : r.hi - r.hi % panel_rows;
                first = r0 * per_row, count = (last - r0) * per_row, runs = 1;
                row = last;
            } else {
                row = end;
            }
            for (std::size_t c = 0; c < runs; ++c) f(first + c * width, count);
        }
    }
}

/// One SIMD pass over elements [lo, hi) of a tensor w, its gradient g and state tensors s...: for each
/// batch, f(w, g, s...) updates the batches of w and s (taken by reference), which are stored back.
/// The tail goes through a zero-padded batch, so no element outside [lo, hi) is read or written.
template <scalar T, class F, class... State>
TYPEGRAD_ALWAYS_INLINE inline void update_range(F f, std::size_t lo, std::size_t hi, T* w, const T* g,
                                                State*... s) noexcept {
    using B = simd::batch<T>;
    constexpr std::size_t width = simd::width<T>;
    // The state's batches by index K (no std::apply, which GCC may leave out of line once the step has
    // several runs per tensor: value_and_grad + sgd.step on 2→16→16→1 then took 1.5 times as long).
    [&]<std::size_t... K>(std::index_sequence<K...>) TYPEGRAD_ALWAYS_INLINE {
        std::size_t i = lo;
        for (; i + width <= hi; i += width) {
            B wb = B::load_unaligned(w + i);
            std::tuple sb{B::load_unaligned(s + i)...};
            f(wb, B::load_unaligned(g + i), std::get<K>(sb)...);
            wb.store_unaligned(w + i);
            (std::get<K>(sb).store_unaligned(s + i), ...);
        }
        if (i >= hi) return;  // (not ==: where it cannot see lo <= hi, GCC 12 warned of a huge copy below)
        const std::size_t rest = hi - i;
        // The tail in batches on the stack: each cleared by one vector store, then its elements copied in.
        alignas(alignment) T wt[width], gt[width];
        [[maybe_unused]] alignas(alignment) T st[sizeof...(State) + 1][width];
        const auto stage = [&](T* buffer, const T* from) TYPEGRAD_ALWAYS_INLINE {
            B(T{}).store_aligned(buffer);
            for (std::size_t k = 0; k < rest; ++k) buffer[k] = from[k];
        };
        stage(wt, w + i);
        stage(gt, g + i);
        (stage(st[K], s + i), ...);
        B wb = B::load_aligned(wt);
        std::tuple sb{B::load_aligned(st[K])...};
        f(wb, B::load_aligned(gt), std::get<K>(sb)...);
        wb.store_aligned(wt);
        std::copy_n(wt, rest, w + i);
        ((std::get<K>(sb).store_aligned(st[K]), std::copy_n(st[K], rest, s + i)), ...);
    }(std::index_sequence_for<State...>{});
}

/// update_range over every tensor of p, in lockstep with grad and the state values: the rows of each
/// that `part` takes (params_part; all of it by default). Inlined into the optimizer's step, where the
/// tensors' sizes are constants: called, its tails' copies become calls to memmove (value_and_grad and
/// sgd.step on the 2→16→16→1 network took 10% longer so with AVX-512 at -O3).
template <class F, class P, class... State>
TYPEGRAD_ALWAYS_INLINE inline void update_params(F f, P& p, const P& grad, params_part part, State&... state) noexcept {
    for_each_tensor(
        [&](std::size_t, std::string_view, auto& w, const auto& g, auto&... s) TYPEGRAD_ALWAYS_INLINE {
            for_each_run<std::remove_cvref_t<decltype(w)>>(part, [&](std::size_t first, std::size_t count) TYPEGRAD_ALWAYS_INLINE {
                update_range(f, first, first + count, w.data(), g.data(), s.data()...);
            });
        },
        p, grad, state...);
}

}  // namespace detail
}  // namespace typegrad
