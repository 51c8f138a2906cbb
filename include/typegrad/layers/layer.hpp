// The tg::layer concept: the static interface every layer type provides, so that tg::sequential can
// infer shapes, store parameters and caches, and generate the forward and backward passes. Also the
// pieces every layer shares: tg::mode (training or inference) and tg::no_params.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/init.hpp>

namespace typegrad {

/// Whether a pass trains or infers; dropout and batch_norm behave differently in the two.
enum class mode { training, inference };

/// The parameters (and cache) of a layer that has none. Counts zero, visits no tensor.
struct no_params {
    static constexpr std::size_t count = 0;
    template <class F, class... Ps>
    static constexpr void for_each_tensor(F&&, Ps&...) noexcept {}
    friend constexpr bool operator==(const no_params&, const no_params&) noexcept = default;
};

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

/// @brief L states its own input size (dense does; size-preserving activations do not).
template <class L>
concept states_in_size = requires { { L::in_size } -> std::convertible_to<std::size_t>; };

}  // namespace typegrad
