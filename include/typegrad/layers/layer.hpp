// The tg::layer concept: the static interface every layer type provides, so that tg::sequential can
// infer shapes, store parameters and caches, and generate the forward and backward passes. Also the
// pieces every layer shares: tg::mode (training or inference) and tg::no_params.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/init.hpp>

namespace typegrad {

/// Whether a pass trains or infers; dropout and batch_norm behave differently in the two.
enum class mode { training, inference };

/// What a batch backward pass does with the parameter gradient it computes: add it into the
/// gradient it is given (accumulating over batches), or assign it, overwriting that gradient
/// without reading it, so that no zeroing pass over the parameters is needed first (tg::fit).
enum class grad_mode { add, assign };

/// The parameters (and cache) of a layer that has none. Counts zero, visits no tensor.
struct no_params {
    static constexpr std::size_t count = 0;
    template <class F, class... Ps>
    static constexpr void for_each_tensor(F&&, Ps&...) noexcept {}
    friend constexpr bool operator==(const no_params&, const no_params&) noexcept = default;
};

class batch_parts;

/// Where a mini-batch pass stands: training or inference, and a key for per-sample randomness
/// (dropout's masks) tied to each sample's place in the whole mini-batch, not to how threads split it.
/// When threads split the batch, `parts` lets a layer that needs every row (batch_norm) share values
/// with the other threads (tg::batch_parts); null when this pass's rows are the whole batch.
struct batch_info {
    mode m = mode::inference;
    std::uint64_t key = 0;      // tg::fit derives it from its seed, the epoch and the batch
    std::size_t first_row = 0;  // the index, within the whole mini-batch, of this pass's row 0
    batch_parts* parts = nullptr;
    std::size_t part = 0;       // this thread's number among parts
};

/// The batch state of a layer that keeps nothing besides its input and output rows.
struct no_batch_state {
    explicit no_batch_state(std::size_t) noexcept {}
};

/// What every size-preserving layer without parameters declares (activations, softmax, dropout):
/// its output size is its input size, it has tg::no_params and nothing to initialise, and its forward
/// keeps a Cache<T, In>. Such a layer derives from parameter_free_layer<its cache>.
template <template <scalar, std::size_t> class Cache>
struct parameter_free_layer {
    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
    template <scalar T, std::size_t>
    using params_type = no_params;
    template <scalar T, std::size_t In>
    using cache_type = Cache<T, In>;

    static constexpr void init(no_params&, rng&, init_scheme) noexcept {}
};

/// The cache of a layer that keeps nothing.
template <scalar, std::size_t>
using no_cache = no_params;

/// A layer type L describes a layer without its element type; sequential binds it to T and to the
/// size of its input In. It provides:
///   L::in_size                         (only layers that state it, e.g. dense) the input size;
///                                      size-preserving layers (activations) omit it and get In
///   L::out_size_for<In>                its output size for an input of In
///   L::params_type<T, In>              its parameters: tg::no_params, or a struct with
///                                      `static constexpr std::size_t count` (number of scalars) and
///                                      `static for_each_tensor(f, ps...)` calling f(name, tensors...)
///                                      for each tensor, named as in PyTorch ("weight", "bias")
///   L::cache_type<T, In>               what forward keeps for backward (dense: its input; relu: its output)
///   L::init(params&, rng&, init_scheme)          fills the parameters (no-op without parameters)
///   L::forward(params, in, cache&, mode)        -> vec<T, out_size_for<In>>
///   L::backward(params, cache, grad_out, grad_params&) -> vec<T, In>, the gradient w.r.t. the input;
///                                      it ADDS the parameter gradient into grad_params, so that
///                                      samples of a mini-batch accumulate.
/// Every member is constexpr where the math allows; none allocates.
///
/// A layer that also runs on mini-batches (every built-in one; tg::fit needs it) provides, with x
/// the n input rows and y the n output rows (tg::rows<T, In> and tg::rows<T, Out>):
///   L::batch_state_type<T, In>         (optional) what its batch pass keeps besides x and y, built from
///                                      the row capacity (dropout's mask); tg::no_batch_state otherwise
///   L::forward_batch(params, n, x, y, state&, info)
///   L::backward_batch(params, n, x, y, grad_y, grad_x*, state&, grad_params&)
///                                      ADDS the parameter gradient; grad_x (∂L/∂x, n rows) is null for
///                                      the network's first layer, whose input gradient nobody needs.
///                                      A layer with parameters may also take a trailing tg::grad_mode
///                                      (dense and batch_norm do); for one that does not, an assigning
///                                      pass zeroes its gradient and lets it add.
///   L::backward_batch_in_place         (optional) true when backward_batch may be handed the layer's
///                                      own params as grad_params: it reads what it needs of them before
///                                      writing any gradient (dense, batch_norm). tg::sgd_step_batch
///                                      needs it of every layer with parameters.
///   L::update_running_statistics(params&, state&)
///                                      (optional) after the optimizer step of a training batch, folds
///                                      what forward_batch measured into statistics kept in the
///                                      parameters (batch_norm's running mean and variance)
template <class L>
inline constexpr std::size_t probe_in_size = [] {
    if constexpr (requires { L::in_size; }) return std::size_t{L::in_size};
    else return std::size_t{1};
}();

/// @brief L is a layer: it has shapes, parameter and cache types, init, forward and backward.
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept layer = requires { { L::template out_size_for<In> } -> std::convertible_to<std::size_t>; } &&
    requires(const typename L::template params_type<T, In>& p, typename L::template params_type<T, In>& gp,
             const vec<T, In>& in, typename L::template cache_type<T, In>& cache,
             const vec<T, L::template out_size_for<In>>& grad_out, rng& r) {
        { L::forward(p, in, cache, mode::training) } -> std::same_as<vec<T, L::template out_size_for<In>>>;
        { L::backward(p, std::as_const(cache), grad_out, gp) } -> std::same_as<vec<T, In>>;
        { std::remove_cvref_t<decltype(p)>::count } -> std::convertible_to<std::size_t>;
        L::init(gp, r, init_scheme::glorot_uniform);
    };

template <class L, class T, std::size_t In>
struct batch_state_of {
    using type = no_batch_state;
};
template <class L, class T, std::size_t In>
    requires requires { typename L::template batch_state_type<T, In>; }
struct batch_state_of<L, T, In> {
    using type = typename L::template batch_state_type<T, In>;
};
/// L's batch state for element type T and input size In.
template <class L, class T, std::size_t In>
using batch_state_t = typename batch_state_of<L, T, In>::type;

/// @brief L (a layer) runs on mini-batches: it has forward_batch and backward_batch.
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept batch_layer = layer<L, T, In> &&
    requires(const typename L::template params_type<T, In>& p, typename L::template params_type<T, In>& gp,
             const rows<T, In>& x, rows<T, In>& gx, rows<T, L::template out_size_for<In>>& y,
             batch_state_t<L, T, In>& state, const batch_info& info) {
        L::forward_batch(p, std::size_t{}, x, y, state, info);
        L::backward_batch(p, std::size_t{}, x, std::as_const(y), std::as_const(y), &gx, state, gp);
    };

/// @brief L states its own input size (dense does; size-preserving activations do not).
template <class L>
concept states_in_size = requires { { L::in_size } -> std::convertible_to<std::size_t>; };

}  // namespace typegrad
