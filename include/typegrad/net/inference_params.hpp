// tg::inference_params<Net, T>: a copy of a network's parameters laid out for per-sample inference,
// and tg::forward<Net>(ip, x) on it (tg::stream::step for sequence networks). A layer may keep its own
// inference layout (dense keeps Wᵀ, so its forward sums W's columns scaled by the inputs instead of
// forming one dot product per output; lstm and gru keep W_hh transposed in blocks of hidden units);
// any other layer keeps its parameters. Made once from tg::params, e.g. after training; it does not
// follow later changes to them.
#pragma once

#include <cstddef>
#include <utility>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/net/forward.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>

namespace typegrad {
namespace detail {

template <class L, class T, std::size_t In>
struct inference_params_of {
    using type = typename L::template params_type<T, In>;
};
/// Whether layer L keeps a layout of its own in tg::inference_params: for its inference forward, or
/// (a sequence layer) for streaming.
template <class L, class T, std::size_t In>
concept prepares_layout = inference_layout<L, T, In> || streams_prepared<L, T, In>;

template <class L, class T, std::size_t In>
    requires prepares_layout<L, T, In>
struct inference_params_of<L, T, In> {
    using type = typename L::template inference_params_type<T, In>;
};

template <class Net, class T, class Seq = std::make_index_sequence<Net::layer_count>>
struct inference_tuple;
template <class Net, class T, std::size_t... I>
struct inference_tuple<Net, T, std::index_sequence<I...>> {
    using type = flat_tuple<std::index_sequence<I...>,
                            typename inference_params_of<typename Net::template layer_type<I>, T, Net::sizes[I]>::type...>;
};

}  // namespace detail

template <network Net, scalar T = float>
struct inference_params : detail::inference_tuple<Net, T>::type {
    using net_type = Net;
    using value_type = T;

    inference_params() = default;
    /// p in each layer's inference layout.
    explicit constexpr inference_params(const params<Net, T>& p) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (..., [&] {
                using L = typename Net::template layer_type<I>;
                auto& mine = detail::slot_value<I>(*this);
                if constexpr (detail::prepares_layout<L, T, Net::sizes[I]>) L::prepare(get<I>(p), mine);
                else mine = get<I>(p);
            }());
        }(std::make_index_sequence<Net::layer_count>{});
    }
};

namespace detail {

// Layer I's inference forward alone: its infer, or its forward with a local cache.
template <class Net, std::size_t I, class T, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr auto infer_prepared_layer(const inference_params<Net, T>& p, const vec<T, N>& in) {
    using L = typename Net::template layer_type<I>;
    if constexpr (inference_layout<L, T, Net::sizes[I]>) {
        return L::infer(slot_value<I>(p), in);
    } else {
        typename Net::template cache_type<I, T> cache;
        return L::forward(slot_value<I>(p), in, cache, mode::inference);
    }
}

// Step I's inference forward: a layer that fuses the activation after it in its own layout
// (infer_then) runs both at once; otherwise the step's layers run one after the other.
template <class Net, std::size_t I, class T, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr auto infer_prepared_step(const inference_params<Net, T>& p, const vec<T, N>& in) {
    using P = plan<Net, T>;
    using L = typename Net::template layer_type<I>;
    using Act = typename P::template fused_activation<I>;
    if constexpr (!P::template fuses_next<I>) return infer_prepared_layer<Net, I>(p, in);
    else if constexpr (infers_with_activation<L, Act, T, Net::sizes[I]>)
        return L::template infer_then<Act>(slot_value<I>(p), in);
    else return infer_prepared_layer<Net, I + 1>(p, infer_prepared_layer<Net, I>(p, in));
}

template <class Net, class T, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr vec<T, Net::out_size> infer_prepared_steps(const inference_params<Net, T>& p,
                                                                            const vec<T, N>& x) {
    return thread_steps<Net, T>(x, [&]<std::size_t I>(std::integral_constant<std::size_t, I>, const auto& in,
                                                      auto&) TYPEGRAD_ALWAYS_INLINE {
        return infer_prepared_step<Net, I>(p, in);
    });
}

}  // namespace detail

/// Net's output for input x from parameters prepared for inference, inlined into the caller as
/// tg::forward from tg::params is.
template <network Net, class T, class U, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr vec<T, Net::out_size> forward(const inference_params<Net, T>& p, const vec<U, N>& x) {
    if constexpr (detail::check_input<Net, T, U, N>()) return detail::infer_prepared_steps<Net>(p, x);
    else return {};
}

}  // namespace typegrad
