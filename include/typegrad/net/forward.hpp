// tg::forward<Net>(p, x): the network's output for one input, a left fold over the network's plan. With a
// workspace and mode::training it also keeps every layer's cache for tg::backward. Usable in
// constant expressions for layers whose math is (dense, identity, sign, relu).
#pragma once

#include <concepts>
#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>
#include <typegrad/net/shape_error.hpp>
#include <typegrad/net/workspace.hpp>

namespace typegrad {
namespace detail {

// The forward threads the input through the plan's steps: step I runs layer I, or layer I and the
// activation it fuses (the activation as the gemv's epilogue), keeping their caches in ws. A fused
// step's result is a reference to the activation's cache, not a copy; the last step's value goes
// straight into the caller's result.
template <class Net, class T, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr vec<T, Net::out_size> forward_steps(const params<Net, T>& p, const vec<T, N>& x,
                                                                     workspace<Net, T>& ws, mode m) {
    using P = plan<Net, T>;
    return thread_steps<Net, T>(x, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& in,
                                                      auto&) TYPEGRAD_ALWAYS_INLINE -> decltype(auto) {
        using L = typename Net::template layer_type<I>;
        if constexpr (P::template fuses_next<I>)
            return L::template forward_then<typename P::template fused_activation<I>>(get<I>(p), in, get<I>(ws),
                                                                                      get<I + 1>(ws), m);
        else return L::forward(get<I>(p), in, get<I>(ws), m);
    });
}

// Inference keeps nothing for a backward pass: a layer's cache is a local of its step, which the
// compiler drops, and a fused activation's cache (which holds the step's output) is scratch of the
// step, kept until the walk ends so that the step returns a reference to it, not a copy.
template <class Net, class T>
struct fused_caches {
    template <std::size_t I>
    using at = typename plan<Net, T>::template fused_cache<I>;
};

template <class Net, class T, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr vec<T, Net::out_size> infer_steps(const params<Net, T>& p, const vec<T, N>& x) {
    using P = plan<Net, T>;
    return thread_steps<Net, T, fused_caches<Net, T>::template at>(
        x, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& in, auto& activation_cache)
               TYPEGRAD_ALWAYS_INLINE -> decltype(auto) {
            using L = typename Net::template layer_type<I>;
            typename Net::template cache_type<I, T> cache;
            if constexpr (P::template fuses_next<I>)
                return L::template forward_then<typename P::template fused_activation<I>>(
                    get<I>(p), in, cache, activation_cache, mode::inference);
            else return L::forward(get<I>(p), in, cache, mode::inference);
        });
}

// The checks every entry point makes on its input, so that the error names the call.
template <class Net, class T, class U, std::size_t N>
constexpr bool check_input() {
    static_assert(std::same_as<T, U>, "tg::forward / tg::value_and_grad: the input vector's element type must be "
                                      "the parameters' element type (tg::params<Net, T>)");
    static_assert(!sequence_network<Net>,
                  "tg::forward / tg::value_and_grad: this network holds sequence layers (conv1d, gru, lstm, "
                  "last_step), whose output depends on earlier time steps: run it one step at a time with "
                  "tg::stream<Net, T>, or over whole sequences with tg::forward_sequence / "
                  "tg::value_and_grad_sequence (typegrad/net/sequence.hpp)");
    return !sequence_network<Net> && require<N == Net::in_size, input_size_mismatch<expects<Net::in_size>, got<N>>>;
}

}  // namespace detail

/// Net's output for input x, keeping each layer's cache in ws (for tg::backward when m is training).
template <network Net, class T, class U, std::size_t N>
constexpr vec<T, Net::out_size> forward(const params<Net, T>& p, const vec<U, N>& x, workspace<Net, T>& ws,
                                        mode m) {
    if constexpr (detail::check_input<Net, T, U, N>()) return detail::forward_steps<Net>(p, x, ws, m);
    else return {};
}

/// Net's output for input x (inference). Inlined into the caller, with every layer's forward: a small
/// network's whole forward then runs in the caller's loop, where GCC had left it a call at -O2 once its
/// layers were inlined (the prepared 2→16→16→1 at v4 -O3 went from 8.6 to 9.8 ns as a call;
/// docs/benchmarks.md).
template <network Net, class T, class U, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr vec<T, Net::out_size> forward(const params<Net, T>& p, const vec<U, N>& x) {
    if constexpr (detail::check_input<Net, T, U, N>()) return detail::infer_steps<Net>(p, x);
    else return {};
}

}  // namespace typegrad
