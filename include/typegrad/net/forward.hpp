// tg::forward<Net>(p, x): the network's output for one input, a left fold over the layers. With a
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

// Layer I can run its forward and layer I + 1's in one pass (dense followed by an elementwise
// activation: the activation becomes the gemv's epilogue), as the network's plan says.
template <class Net, std::size_t I, class T>
concept fuses_with_next = plan<Net, T>::template fuses_next<I>;

// The last layer's forward returns straight into the caller's result: no copy of the output.
template <class Net, std::size_t I, class T, std::size_t N>
constexpr auto forward_from(const params<Net, T>& p, const vec<T, N>& in, workspace<Net, T>& ws, mode m) {
    using L = typename Net::template layer_type<I>;
    if constexpr (fuses_with_next<Net, I, T>) {
        using Next = typename Net::template layer_type<I + 1>;
        const auto& out = L::template forward_then<Next>(get<I>(p), in, get<I>(ws), get<I + 1>(ws), m);
        if constexpr (I + 2 == Net::layer_count) return out;
        else return forward_from<Net, I + 2>(p, out, ws, m);
    } else if constexpr (I + 1 == Net::layer_count) {
        return L::forward(get<I>(p), in, get<I>(ws), m);
    } else {
        return forward_from<Net, I + 1>(p, L::forward(get<I>(p), in, get<I>(ws), m), ws, m);
    }
}

// Inference keeps nothing for a backward pass: each layer's cache is a local of its own step, which
// the compiler drops, instead of a zero-filled workspace for the whole network.
template <class Net, std::size_t I, class T, std::size_t N>
constexpr auto infer_from(const params<Net, T>& p, const vec<T, N>& in) {
    using L = typename Net::template layer_type<I>;
    typename Net::template cache_type<I, T> cache;
    if constexpr (fuses_with_next<Net, I, T>) {
        using Next = typename Net::template layer_type<I + 1>;
        typename Net::template cache_type<I + 1, T> next_cache;
        const auto& out = L::template forward_then<Next>(get<I>(p), in, cache, next_cache, mode::inference);
        if constexpr (I + 2 == Net::layer_count) return out;
        else return infer_from<Net, I + 2>(p, out);
    } else if constexpr (I + 1 == Net::layer_count) {
        return L::forward(get<I>(p), in, cache, mode::inference);
    } else {
        return infer_from<Net, I + 1>(p, L::forward(get<I>(p), in, cache, mode::inference));
    }
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
    if constexpr (detail::check_input<Net, T, U, N>()) return detail::forward_from<Net, 0>(p, x, ws, m);
    else return {};
}

/// Net's output for input x (inference).
template <network Net, class T, class U, std::size_t N>
constexpr vec<T, Net::out_size> forward(const params<Net, T>& p, const vec<U, N>& x) {
    if constexpr (detail::check_input<Net, T, U, N>()) return detail::infer_from<Net, 0>(p, x);
    else return {};
}

}  // namespace typegrad
