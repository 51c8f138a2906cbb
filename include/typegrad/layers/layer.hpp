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
    std::size_t first_draw = 0; // the number, within the network, of the layer's first draw (tg::draw_count)

    /// This pass as a layer sees it whose draws start `offset` draws after this pass's first: the
    /// network walks set it, so that no two layers draw the same masks.
    constexpr batch_info at_draw(std::size_t offset) const noexcept {
        batch_info at = *this;
        at.first_draw += offset;
        return at;
    }
};

/// The key of draw `draw` of a pass whose key is `key`: the key itself for draw 0, so that a network
/// with one dropout layer draws what it drew before draws were numbered, else a hash of the two.
constexpr std::uint64_t draw_key(std::uint64_t key, std::size_t draw) noexcept {
    if (draw == 0) return key;
    rng mix{key ^ (0xD1B54A32D192ED03ull * std::uint64_t{draw})};
    return mix.next();
}

/// The batch state of a layer that keeps nothing besides its input and output rows.
struct no_batch_state {
    explicit no_batch_state(std::size_t) noexcept {}
};

/// The sequence cache of a sequence layer whose backward needs nothing besides its input and output rows.
struct no_sequence_cache {
    explicit no_sequence_cache(std::size_t) noexcept {}
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

/// @brief L states its own input size (dense does; size-preserving activations do not).
template <class L>
concept states_in_size = requires { { L::in_size } -> std::convertible_to<std::size_t>; };

/// @brief L is written without its input size (tg::dense<Out>) and becomes a layer when the network
/// gives it one: L::bound<In>.
template <class L>
concept binds_in_size = requires { typename L::template bound<1>; };

template <class L, std::size_t In>
struct bound_layer {
    using type = L;
};
template <binds_in_size L, std::size_t In>
struct bound_layer<L, In> {
    using type = typename L::template bound<In>;
};
/// L given its input size In: L itself, or for a layer written without it, L::bound<In>.
template <class L, std::size_t In>
using bound_layer_t = typename bound_layer<L, In>::type;

template <class L>
inline constexpr std::size_t probe_in_size = [] {
    if constexpr (states_in_size<L>) return std::size_t{L::in_size};
    else return std::size_t{1};
}();

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
/// A layer that also runs on mini-batches (every built-in one; tg::fit needs it) models
/// tg::batch_layer below; every other optional member belongs to one of the named capabilities at the
/// end of this header (docs/networks.md, "Writing a layer", lists them).
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

/// @brief L keeps a batch state of its own besides its input and output rows (batch_state_type).
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept has_batch_state = requires { typename L::template batch_state_type<T, In>; };

template <class L, class T, std::size_t In>
struct batch_state_of {
    using type = no_batch_state;
};
template <class L, class T, std::size_t In>
    requires has_batch_state<L, T, In>
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

/// @brief L names its kind (`static constexpr std::string_view name`, e.g. "dense"), for tg::summary.
template <class L>
concept named_layer = requires {
    { L::name } -> std::convertible_to<std::string_view>;
};

namespace detail {
/// T's name as the compiler spells it in a function signature (readable, not mangled).
template <class T>
constexpr std::string_view type_name() noexcept {
    constexpr std::string_view signature = __PRETTY_FUNCTION__;  // "... [with T = tg::x; ...]" or "... [T = tg::x]"
    constexpr std::size_t begin = signature.find("T = ") + 4;
    return signature.substr(begin, signature.find_first_of(";]", begin) - begin);
}
}  // namespace detail

/// L's kind: its name, or else its type's name ("my::layer<3>").
template <class L>
constexpr std::string_view layer_name() noexcept {
    if constexpr (named_layer<L>) return L::name;
    else return detail::type_name<L>();
}

// The optional capabilities. A layer offers a fast path by providing the members a concept below
// names; the library asks for each only through its concept, so a member with the wrong name or
// signature is reported by tests/static/layer_capabilities.cpp instead of silently turning the fast path off.
// Each concept takes the layer bound to an element type T and an input size In.

namespace detail {
template <class Fn>
struct output_cached_activation;
template <class Fn>
struct input_cached_activation;
}
namespace simd {
struct index_range;
}

template <class L, class T, std::size_t In>
using params_t = typename L::template params_type<T, In>;
template <class L, class T, std::size_t In>
using cache_t = typename L::template cache_type<T, In>;
template <class L, std::size_t In>
inline constexpr std::size_t out_size_v = L::template out_size_for<In>;

/// @brief A is an elementwise activation whose derivative needs its input, not only its output (silu,
/// gelu, gelu_tanh): a layer that fuses it keeps the input too.
template <class A>
concept derivative_from_input = std::derived_from<A, detail::input_cached_activation<A>>;

/// @brief A is an elementwise activation (sign, sigmoid, relu, tanh, leaky_relu, elu, softplus, and
/// those deriving from their input): another layer can run it as part of its own step.
template <class A>
concept elementwise_activation = std::derived_from<A, detail::output_cached_activation<A>> || derivative_from_input<A>;

/// @brief A is a rectifier (relu, leaky_relu, elu, softplus, silu, gelu): the layer before it gets He
/// initialisation from tg::init, any other layer Glorot.
template <class A>
concept rectifier = requires { requires A::rectifier; };

/// @brief L runs the elementwise activation Act after it in its own forward, per sample
/// (forward_then<Act>, filling both caches) and per batch (forward_batch_then<Act>, given the rows z
/// between the two, which it fills only when Act derives from its input).
template <class L, class Act, class T = float, std::size_t In = probe_in_size<L>>
concept fuses_activation = elementwise_activation<Act> && batch_layer<L, T, In> &&
    requires(const params_t<L, T, In>& p, const vec<T, In>& in, cache_t<L, T, In>& cache,
             cache_t<Act, T, out_size_v<L, In>>& act_cache, const rows<T, In>& x, rows<T, out_size_v<L, In>>& y,
             const batch_info& info) {
        L::template forward_then<Act>(p, in, cache, act_cache, mode::inference);
        L::template forward_batch_then<Act>(p, std::size_t{}, x, y, y, info);
    };

/// @brief L keeps parameters of its own layout for inference (inference_params_type<T, In>), made by
/// prepare(params, inference_params), and infers from them with infer(inference_params, in).
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept inference_layout = layer<L, T, In> && requires { typename L::template inference_params_type<T, In>; } &&
    requires(const params_t<L, T, In>& p, typename L::template inference_params_type<T, In>& q, const vec<T, In>& in) {
        L::prepare(p, q);
        { L::infer(std::as_const(q), in) } -> std::same_as<vec<T, out_size_v<L, In>>>;
    };

/// @brief L's inference forward from its own layout also fuses the activation Act (infer_then<Act>).
template <class L, class Act, class T = float, std::size_t In = probe_in_size<L>>
concept infers_with_activation = inference_layout<L, T, In> && fuses_activation<L, Act, T, In> &&
    requires(const typename L::template inference_params_type<T, In>& q, const vec<T, In>& in) {
        L::template infer_then<Act>(q, in);
    };

/// @brief L computes its parameter gradient without ∂L/∂(input) (backward_params): the network's
/// first layer, whose input gradient nobody needs, skips that product.
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept skips_input_gradient = layer<L, T, In> &&
    requires(const params_t<L, T, In>& p, params_t<L, T, In>& gp, const cache_t<L, T, In>& cache,
             const vec<T, out_size_v<L, In>>& grad_out) { L::backward_params(p, cache, grad_out, gp); };

/// @brief L applies one sample's SGD step to its parameters as it goes back (backward_update, returning
/// ∂L/∂(input); backward_update_params, without it), with no gradient stored.
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept updates_in_place = layer<L, T, In> &&
    requires(params_t<L, T, In>& p, const cache_t<L, T, In>& cache, const vec<T, out_size_v<L, In>>& grad_out, T alpha) {
        { L::backward_update(p, cache, grad_out, alpha) } -> std::same_as<vec<T, In>>;
        L::backward_update_params(p, cache, grad_out, alpha);
    };

/// @brief L's backward_batch takes a trailing tg::grad_mode, so it can assign its gradient instead of
/// adding it (no zeroing pass first).
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept assigns_batch_gradient = batch_layer<L, T, In> &&
    requires(const params_t<L, T, In>& p, params_t<L, T, In>& gp, const rows<T, In>& x, rows<T, In>& gx,
             const rows<T, out_size_v<L, In>>& y, batch_state_t<L, T, In>& state) {
        L::backward_batch(p, std::size_t{}, x, y, y, &gx, state, gp, grad_mode::assign);
    };

/// @brief L's backward_batch may be handed L's own params as the gradient (backward_batch_in_place):
/// tg::sgd_step_batch needs it of every layer with parameters.
template <class L>
concept batch_updates_in_place = requires { requires L::backward_batch_in_place; };

/// @brief L folds what a training forward_batch measured into statistics kept in its parameters
/// (update_running_statistics, after the optimizer step).
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept keeps_running_statistics = batch_layer<L, T, In> &&
    requires(params_t<L, T, In>& p, batch_state_t<L, T, In>& state) { L::update_running_statistics(p, state); };

/// @brief L draws random numbers in training passes, as dropout draws its masks: `L::draws` says how
/// many independent draws it makes per sample (dropout: 1; a block or tg::concat: the sum over its
/// layers), and `L::seed(cache&, first_draw)` starts its per-sample generators at the network's draw
/// first_draw (a tg::workspace seeds every such layer when it is made). The walks number a network's
/// draws in layer order and give each layer its first in batch_info::first_draw; draw d of a pass keyed k
/// takes its masks from tg::draw_key(k, d), so no two layers share a key. A layer written without
/// its input size declares both on the type as written, not only on its bound<In>.
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept draws_randomly = requires(cache_t<L, T, In>& cache) {
    requires std::size_t{L::draws} > 0;
    L::seed(cache, std::size_t{});
};

/// How many draws L makes per sample (tg::draws_randomly); 0 for a layer that draws nothing.
template <class L>
inline constexpr std::size_t draw_count = 0;
template <class L>
    requires requires { L::draws; }
inline constexpr std::size_t draw_count<L> = L::draws;

namespace detail {
/// Starts the per-sample generators in cache, layer L's, at the network's draw first_draw.
template <class L, class Cache>
constexpr void seed_layer(Cache& cache, std::size_t first_draw) noexcept {
    static_assert(requires { L::seed(cache, first_draw); },
                  "a layer that declares `draws` must provide `static void seed(cache&, std::size_t first_draw)` "
                  "(tg::draws_randomly)");
    L::seed(cache, first_draw);
}
}  // namespace detail

/// @brief tg::fit's threads can split L's neurons (forward_batch_neurons, backward_batch_neurons, or
/// backward_batch_inputs where the weight gradient goes by inputs) and, for its last layers, its
/// samples (forward_batch_samples, input_grad_samples); Act, an elementwise
/// activation or void, is fused after it (the forwards take the rows z between, as forward_batch_then).
template <class L, class Act = void, class T = float, std::size_t In = probe_in_size<L>>
concept splits_neurons = batch_layer<L, T, In> && states_in_size<L> &&
    requires(const params_t<L, T, In>& p, params_t<L, T, In>& gp, const rows<T, In>& x,
             rows<T, out_size_v<L, In>>& y, rows<T, In>& gx, T* part, const simd::index_range& r) {
        L::template forward_batch_neurons<Act>(p, std::size_t{}, x, y, y, r);
        L::template forward_batch_samples<Act>(p, x, y, y, r);
        L::input_grad_samples(p, std::as_const(y), gx, r);
        L::backward_batch_neurons(p, std::size_t{}, x, std::as_const(y), part, gp, r);
        L::backward_batch_inputs(p, std::size_t{}, x, std::as_const(y), part, gp, r, r);
    };

/// @brief L is a sequence layer (conv1d, gru, lstm): its output at a time step depends on earlier steps.
/// A sequence runs as rows, one row per time step, from the zero state (PyTorch's default h0 = c0 = 0,
/// conv1d's zero left padding). L provides:
///   L::state_type<T, In>               the streaming state the caller owns (recurrent state, or conv1d's
///                                      ring buffer of past inputs); value-initialised or after reset(),
///                                      it is the start of a sequence
///   L::step(params, x, state&)         -> vec<T, Out>: one time step, streaming, no allocation
///   L::sequence_cache_type<T, In>      what backward through time needs, constructed once for a
///                                      number of steps (explicit cache(std::size_t max_steps))
///   L::forward_sequence(params, steps, x, y, cache&)              y's row t = the output at step t
///   L::backward_sequence(params, steps, x, y, cache, grad_y, grad_x*, grad_params&): given grad_y's
///                                      row t = ∂L/∂(output at t), ADDS ∂L/∂params into grad_params and
///                                      writes ∂L/∂(input at t) into grad_x's rows (skipped when null)
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept sequence_layer =
    requires { typename L::template state_type<T, In>; typename L::template sequence_cache_type<T, In>; } &&
    requires(const params_t<L, T, In>& p, params_t<L, T, In>& gp, typename L::template state_type<T, In>& s,
             typename L::template sequence_cache_type<T, In>& cache, const vec<T, In>& x, const rows<T, In>& xs,
             rows<T, In>& gxs, rows<T, out_size_v<L, In>>& ys, rng& r) {
        s.reset();
        { L::step(p, x, s) } -> std::same_as<vec<T, out_size_v<L, In>>>;
        L::forward_sequence(p, std::size_t{}, xs, ys, cache);
        L::backward_sequence(p, std::size_t{}, xs, std::as_const(ys), std::as_const(cache), std::as_const(ys), &gxs, gp);
        { std::remove_cvref_t<decltype(p)>::count } -> std::convertible_to<std::size_t>;
        L::init(gp, r, init_scheme::glorot_uniform);
    };

/// @brief L, a sequence layer, also streams from parameters of its own layout
/// (inference_params_type<T, In>, what tg::inference_params keeps for it), made by
/// prepare(params, inference_params): step(inference_params, x, state&), equal to
/// step(params, x, state&) up to rounding.
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept streams_prepared = sequence_layer<L, T, In> && requires { typename L::template inference_params_type<T, In>; } &&
    requires(const params_t<L, T, In>& p, typename L::template inference_params_type<T, In>& q, const vec<T, In>& x,
             typename L::template state_type<T, In>& s) {
        L::prepare(p, q);
        { L::step(std::as_const(q), x, s) } -> std::same_as<vec<T, out_size_v<L, In>>>;
    };

/// @brief L is a sequence layer that ends the sequence (tg::last_step): its forward_sequence writes one
/// output row, from the last step, and its backward_sequence reads that row's gradient; streaming, its
/// step passes every step through.
template <class L, class T = float, std::size_t In = probe_in_size<L>>
concept ends_sequence = sequence_layer<L, T, In> && requires { requires L::ends_sequence; };

}  // namespace typegrad
