// tg::inference_params<Net, T>: a copy of a network's parameters laid out for per-sample inference,
// and tg::forward<Net>(ip, x) on it. A layer may keep its own inference layout (dense keeps Wᵀ, so
// its forward sums W's columns scaled by the inputs instead of forming one dot product per output);
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
template <class L, class T, std::size_t In>
    requires inference_layout<L, T, In>
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
                if constexpr (inference_layout<L, T, Net::sizes[I]>) L::prepare(get<I>(p), mine);
                else mine = get<I>(p);
            }());
        }(std::make_index_sequence<Net::layer_count>{});
    }
};

namespace detail {

// Layer I's inference forward: its infer (with the next layer fused when it offers infer_then), or
// its forward with a local cache.
template <class Net, std::size_t I, class T, std::size_t N>
constexpr auto infer_prepared_from(const inference_params<Net, T>& p, const vec<T, N>& in) {
    using L = typename Net::template layer_type<I>;
    const auto& mine = slot_value<I>(p);
    using Act = typename plan<Net, T>::template fused_activation<I>;
    if constexpr (plan<Net, T>::template fuses_next<I> && infers_with_activation<L, Act, T, Net::sizes[I]>) {
        auto out = L::template infer_then<Act>(mine, in);
        if constexpr (I + 2 == Net::layer_count) return out;
        else return infer_prepared_from<Net, I + 2>(p, out);
    } else {
        auto out = [&] {
            if constexpr (inference_layout<L, T, Net::sizes[I]>) {
                return L::infer(mine, in);
            } else {
                typename Net::template cache_type<I, T> cache;
                return L::forward(mine, in, cache, mode::inference);
            }
        }();
        if constexpr (I + 1 == Net::layer_count) return out;
        else return infer_prepared_from<Net, I + 1>(p, out);
    }
}

}  // namespace detail

/// Net's output for input x from parameters prepared for inference.
template <network Net, class T, class U, std::size_t N>
constexpr vec<T, Net::out_size> forward(const inference_params<Net, T>& p, const vec<U, N>& x) {
    if constexpr (detail::check_input<Net, T, U, N>()) return detail::infer_prepared_from<Net, 0>(p, x);
    else return {};
}

}  // namespace typegrad
