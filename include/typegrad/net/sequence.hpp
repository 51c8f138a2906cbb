// Sequence networks: a tg::sequential holding sequence layers (conv1d, gru, lstm, last_step) beside
// dense layers and activations, run in two ways. tg::stream<Net, T> holds every sequence layer's state
// and runs one time step per call; a dense layer or an activation runs its per-sample inference forward
// on each step (a dense layer fused with the activation after it, as in tg::forward).
// tg::forward_sequence / tg::backward_sequence / tg::value_and_grad_sequence run whole sequences as
// rows, one row per step, in a tg::sequence_workspace allocated once for a number of steps; there a dense
// layer or an activation runs its batch path over the step rows, or over the one row after
// tg::last_step. Both walk the layers with folds (detail::thread_steps, detail::walk_layers); neither
// allocates per step.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

#include <typegrad/core/error.hpp>
#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/forward.hpp>
#include <typegrad/net/inference_params.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>
#include <typegrad/net/shape_error.hpp>

namespace typegrad {

/// Layer Index of a sequence network is neither a sequence layer nor a layer with a batch path.
template <class Index, class Layer>
struct layer_without_sequence_path {
    static_assert(detail::always_false<Index>,
                  "tg::stream / tg::sequence_workspace: every layer of a sequence network must be a "
                  "tg::sequence_layer or have a batch path (tg::batch_layer), see typegrad/layers/layer.hpp");
};

/// Layer Index is a sequence layer after tg::last_step, which leaves one row per sequence.
template <class Index, class Layer>
struct sequence_layer_after_last_step {
    static_assert(detail::always_false<Index>,
                  "tg::stream / tg::sequence_workspace: a sequence layer cannot follow tg::last_step, after which "
                  "a sequence is one row");
};

namespace detail {

template <class Net, class T>
struct sequence_plan {
    static constexpr std::size_t count = Net::layer_count;
    template <std::size_t I>
    using layer = typename Net::template layer_type<I>;
    template <std::size_t I>
    static constexpr bool is_sequence = sequence_layer<layer<I>, T, Net::sizes[I]>;

    /// one_row[K]: the rows entering layer K (K = count: the output rows) are one per sequence, after
    /// a tg::last_step.
    static constexpr std::array<bool, count + 1> one_row = []<std::size_t... I>(std::index_sequence<I...>) {
        const bool ends[] = {ends_sequence<layer<I>, T, Net::sizes[I]>...};
        std::array<bool, count + 1> after{};
        for (std::size_t k = 0; k < count; ++k) after[k + 1] = after[k] || ends[k];
        return after;
    }(std::make_index_sequence<count>{});

    /// The number of rows entering layer K for a sequence of `steps` steps.
    template <std::size_t K>
    static constexpr std::size_t rows_at(std::size_t steps) noexcept {
        return one_row[K] ? 1 : steps;
    }

    static constexpr bool check() {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            return (... && (require<is_sequence<I> || batch_layer<layer<I>, T, Net::sizes[I]>,
                                    layer_without_sequence_path<layer_index<I>, layer<I>>> &&
                            require<!(is_sequence<I> && one_row[I]),
                                    sequence_layer_after_last_step<layer_index<I>, layer<I>>>));
        }(std::make_index_sequence<count>{});
    }
};

// What a layer keeps in a stream: its streaming state, or nothing.
struct no_stream_state {
    constexpr void reset() noexcept {}
};
template <class Net, class T, std::size_t I>
struct stream_state_of {
    using type = no_stream_state;
};
template <class Net, class T, std::size_t I>
    requires sequence_plan<Net, T>::template is_sequence<I>
struct stream_state_of<Net, T, I> {
    using type = typename Net::template layer_type<I>::template state_type<T, Net::sizes[I]>;
};

// What a layer keeps in a sequence_workspace: its sequence cache, or its batch state.
template <class Net, class T, std::size_t I>
struct sequence_state_of {
    using type = batch_state_t<typename Net::template layer_type<I>, T, Net::sizes[I]>;
};
template <class Net, class T, std::size_t I>
    requires sequence_plan<Net, T>::template is_sequence<I>
struct sequence_state_of<Net, T, I> {
    using type = typename Net::template layer_type<I>::template sequence_cache_type<T, Net::sizes[I]>;
};

template <class Net, class T, template <class, class, std::size_t> class Of,
          class Seq = std::make_index_sequence<Net::layer_count>>
struct layer_states;
template <class Net, class T, template <class, class, std::size_t> class Of, std::size_t... I>
struct layer_states<Net, T, Of, std::index_sequence<I...>> {
    using type = flat_tuple<std::index_sequence<I...>, typename Of<Net, T, I>::type...>;
    template <class... Args>
    static type make(const Args&... args) {
        return {slot<I, typename Of<Net, T, I>::type>{typename Of<Net, T, I>::type(args...)}...};
    }
};

}  // namespace detail

/// A sequence network run one time step per call: holds every sequence layer's streaming state
/// (value-initialised: the start of a sequence). step allocates nothing and calls nothing virtual.
template <network Net, scalar T = float>
class stream {
    static_assert(detail::sequence_plan<Net, T>::check(), "tg::stream: the network has no sequence path");

public:
    /// The network's output for the next step's input x.
    vec<T, Net::out_size> step(const params<Net, T>& p, const vec<T, Net::in_size>& x) noexcept {
        using P = detail::plan<Net, T>;
        return detail::thread_steps<Net, T, detail::fused_caches<Net, T>::template at>(
            x, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& in, auto& activation_cache)
                   TYPEGRAD_ALWAYS_INLINE -> decltype(auto) {
                using L = typename Net::template layer_type<I>;
                if constexpr (detail::sequence_plan<Net, T>::template is_sequence<I>) {
                    return L::step(get<I>(p), in, detail::slot_value<I>(states_));
                } else {
                    cache_t<L, T, Net::sizes[I]> cache;
                    if constexpr (P::template fuses_next<I>)
                        return L::template forward_then<typename P::template fused_activation<I>>(
                            get<I>(p), in, cache, activation_cache, mode::inference);
                    else return L::forward(get<I>(p), in, cache, mode::inference);
                }
            });
    }

    /// The same from parameters prepared by tg::inference_params, where tg::lstm and tg::gru keep W_hh
    /// transposed in blocks of hidden units and dense layers keep Wᵀ: equal up to rounding, faster.
    vec<T, Net::out_size> step(const inference_params<Net, T>& p, const vec<T, Net::in_size>& x) noexcept {
        return detail::thread_steps<Net, T>(x, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& in,
                                                                  auto&) TYPEGRAD_ALWAYS_INLINE {
            using L = typename Net::template layer_type<I>;
            if constexpr (detail::sequence_plan<Net, T>::template is_sequence<I>)
                return L::step(detail::slot_value<I>(p), in, detail::slot_value<I>(states_));
            else return detail::infer_prepared_step<Net, I>(p, in);
        });
    }

    /// Back to the start of a sequence: every state as value-initialised.
    void reset() noexcept {
        detail::walk_layers<Net>([&](auto layer) { detail::slot_value<layer>(states_).reset(); });
    }

private:
    typename detail::layer_states<Net, T, detail::stream_state_of>::type states_{};
};

template <network Net, scalar T = float>
class sequence_workspace;

template <network Net, class T>
const rows<T, Net::out_size>& forward_sequence(const params<Net, T>& p, const rows<T, Net::in_size>& x,
                                               std::size_t steps, sequence_workspace<Net, T>& ws,
                                               const batch_info& info = {});

/// What whole-sequence passes of up to capacity() steps need, allocated once: values<K>() are the rows
/// entering layer K (values<layer_count>() the output rows), gradients<K>() the loss's gradient with
/// respect to them, state<I>() layer I's sequence cache (sequence layers) or batch state (the others).
template <network Net, scalar T>
class sequence_workspace {
    static_assert(detail::sequence_plan<Net, T>::check(), "tg::sequence_workspace: the network has no sequence path");

public:
    using net_type = Net;
    using value_type = T;

    /// Throws value_error when max_steps is 0.
    explicit sequence_workspace(std::size_t max_steps)
        : values_(detail::boundary_rows<Net, T>::make(checked(max_steps), max_steps)),
          gradients_(detail::boundary_rows<Net, T>::make(max_steps, 0)),
          states_(detail::layer_states<Net, T, detail::sequence_state_of>::make(max_steps)),
          capacity_(max_steps) {}

    /// The most steps a sequence may have.
    std::size_t capacity() const noexcept { return capacity_; }
    /// The steps of the last forward_sequence (0 before the first).
    std::size_t steps() const noexcept { return steps_; }
    /// The output rows of the last forward_sequence: its steps, or 1 after tg::last_step.
    std::size_t output_rows() const noexcept {
        return detail::sequence_plan<Net, T>::template rows_at<Net::layer_count>(steps_);
    }

    template <std::size_t K>
    auto& values() noexcept { return detail::slot_value<K>(values_); }
    template <std::size_t K>
    const auto& values() const noexcept { return detail::slot_value<K>(values_); }
    template <std::size_t K>
    auto& gradients() noexcept { return detail::slot_value<K>(gradients_); }
    template <std::size_t I>
    auto& state() noexcept { return detail::slot_value<I>(states_); }

private:
    static std::size_t checked(std::size_t max_steps) {
        if (max_steps == 0)
            throw value_error("tg::sequence_workspace: max_steps is 0, expected at least 1 (the most steps a sequence "
                              "may have)");
        return max_steps;
    }

    template <network N, class U>
    friend const rows<U, N::out_size>& forward_sequence(const params<N, U>&, const rows<U, N::in_size>&, std::size_t,
                                                        sequence_workspace<N, U>&, const batch_info&);

    typename detail::boundary_rows<Net, T>::type values_;
    typename detail::boundary_rows<Net, T>::type gradients_;
    typename detail::layer_states<Net, T, detail::sequence_state_of>::type states_;
    std::size_t capacity_;
    std::size_t steps_ = 0;
};

namespace detail {

inline void check_steps(const char* where, std::size_t steps, std::size_t capacity, std::size_t input_rows) {
    if (steps == 0 || steps > capacity)
        throw value_error(message(where, ": ", steps, " steps do not fit a sequence_workspace of capacity ", capacity,
                                  " (expected 1 to ", capacity, " steps)"));
    if (input_rows < steps)
        throw value_error(
            message(where, ": the input holds ", input_rows, " rows, expected at least ", steps, " (one per step)"));
}

}  // namespace detail

/// Runs a whole sequence, x's rows [0, steps) (one per step, from the zero state), through the network
/// and returns the output rows: `steps` of them, or 1 after tg::last_step. ws keeps what
/// backward_sequence needs; run with info.m == mode::training for it where layers differ between the
/// modes (dropout, batch_norm, which then treat the step rows as one mini-batch).
template <network Net, class T>
const rows<T, Net::out_size>& forward_sequence(const params<Net, T>& p, const rows<T, Net::in_size>& x,
                                               std::size_t steps, sequence_workspace<Net, T>& ws,
                                               const batch_info& info) {
    using P = detail::sequence_plan<Net, T>;
    detail::check_steps("tg::forward_sequence", steps, ws.capacity(), x.capacity());
    if (&x != &ws.template values<0>()) std::copy_n(x.data(), steps * Net::in_size, ws.template values<0>().data());
    ws.steps_ = steps;
    detail::walk_layers<Net>([&](auto layer) {
        constexpr std::size_t I = layer;
        using L = typename Net::template layer_type<I>;
        const std::size_t n = P::template rows_at<I>(steps);
        auto &in = ws.template values<I>(), &out = ws.template values<I + 1>();
        if constexpr (P::template is_sequence<I>) L::forward_sequence(get<I>(p), n, in, out, ws.template state<I>());
        else L::forward_batch(get<I>(p), n, in, out, ws.template state<I>(), info.at_draw(Net::draw_offsets[I]));
    });
    return ws.template values<Net::layer_count>();
}

/// Backward through time after forward_sequence: given grad_out's rows = ∂L/∂(output rows), ADDS
/// ∂L/∂params into grad.
template <network Net, class T>
void backward_sequence(const params<Net, T>& p, sequence_workspace<Net, T>& ws,
                       const rows<T, Net::out_size>& grad_out, params<Net, T>& grad) {
    using P = detail::sequence_plan<Net, T>;
    const std::size_t steps = ws.steps();
    if (steps == 0)
        throw value_error("tg::backward_sequence: the workspace holds no sequence, expected a forward_sequence first");
    if (grad_out.capacity() < ws.output_rows())
        throw value_error(detail::message("tg::backward_sequence: grad_out holds ", grad_out.capacity(),
                                          " rows, expected ", ws.output_rows(), " (one per output row)"));
    detail::walk_layers<Net, true>([&](auto layer) {
        constexpr std::size_t I = layer;
        using L = typename Net::template layer_type<I>;
        const std::size_t n = P::template rows_at<I>(steps);
        const auto& grad_y = [&]() -> const rows<T, Net::sizes[I + 1]>& {
            if constexpr (I + 1 == Net::layer_count) return grad_out;
            else return ws.template gradients<I + 1>();
        }();
        rows<T, Net::sizes[I]>* grad_x = I > 0 ? &ws.template gradients<I>() : nullptr;
        const auto &x = ws.template values<I>(), &y = ws.template values<I + 1>();
        if constexpr (P::template is_sequence<I>)
            L::backward_sequence(get<I>(p), n, x, y, ws.template state<I>(), grad_y, grad_x, get<I>(grad));
        else
            L::backward_batch(get<I>(p), n, x, y, grad_y, grad_x, ws.template state<I>(), get<I>(grad));
    });
}

namespace detail {

/// forward_sequence of x's `steps` rows (with info), then the loss of each output row r against
/// target(r), whose gradient times scale backward_sequence ADDS into grad; returns the loss sum (unscaled).
/// value_and_grad_sequence (scale: one over the sequence's output rows) and tg::fit (one over the batch's).
template <class Net, class T, class Target, class Loss>
T scaled_value_and_grad_sequence(const params<Net, T>& p, const rows<T, Net::in_size>& x, std::size_t steps,
                                 Target target, const Loss& loss, T scale, params<Net, T>& grad,
                                 sequence_workspace<Net, T>& ws, const batch_info& info) {
    constexpr std::size_t out = Net::out_size;
    const auto& y = forward_sequence<Net>(p, x, steps, ws, info);
    auto& grad_y = ws.template gradients<Net::layer_count>();
    T sum{};
    for (std::size_t r = 0; r < ws.output_rows(); ++r) {
        vec<T, out> row, g;
        std::copy_n(y.row(r), out, row.data());
        sum += loss.value_and_grad(row, target(r), g);
        std::transform(g.begin(), g.end(), grad_y.row(r), [scale](T v) { return v * scale; });
    }
    backward_sequence<Net>(p, ws, grad_y, grad);
    return sum;
}

}  // namespace detail

/// A whole sequence's loss, averaged over the output rows (each step's, or the one after
/// tg::last_step), with targets[r] the target of output row r; ADDS its gradient into grad. info.key
/// draws dropout's masks: the same key gives the same masks, so give each call a new one (as tg::fit
/// does for each batch) where the network has dropout.
template <network Net, class T, class Loss>
    requires loss_for<Loss, T, Net::out_size>
T value_and_grad_sequence(const params<Net, T>& p, const rows<T, Net::in_size>& x, std::size_t steps,
                          std::span<const loss_target_t<Loss, T, Net::out_size>> targets, const Loss& loss,
                          params<Net, T>& grad, sequence_workspace<Net, T>& ws,
                          const batch_info& info = {mode::training}) {
    using plan = detail::sequence_plan<Net, T>;
    const std::size_t n = plan::template rows_at<Net::layer_count>(steps);
    constexpr bool to_label = plan::one_row[Net::layer_count];  // ends in tg::last_step
    if (targets.size() != n)
        throw value_error(detail::message("tg::value_and_grad_sequence: ", targets.size(), " targets for ", n,
                                          " output rows, expected one target per output row (",
                                          to_label ? "one per sequence, after tg::last_step" : "one per step", ")"));
    const auto target = [&](std::size_t r) -> const auto& { return targets[r]; };
    const T scale = detail::per_weight(T{1}, detail::batch_weight<T, Net::out_size>(loss, n, target));
    return scale * detail::scaled_value_and_grad_sequence<Net>(p, x, steps, target, loss, scale, grad, ws, info);
}

}  // namespace typegrad
