// tg::softmax: turns scores into a probability distribution, y_i = e^(x_i - m) / Σ_j e^(x_j - m)
// with m = max(x), so large scores never overflow. The kernels never let padding lanes reach the
// max or the sum. Backward: ∂L/∂x = y ⊙ (g - (g·y)).
#pragma once

#include <cstddef>
#include <string_view>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

namespace detail {

/// A size-preserving layer that maps each row as a whole (softmax, log_softmax) and writes its backward
/// from its output: Fn provides forward_row<N>(x, y) and backward_row<N>(y, grad_y, grad_x).
template <class Fn>
struct row_layer : parameter_free_layer<output_cache> {
    template <scalar T, std::size_t N>
    static constexpr vec<T, N> forward(const no_params&, const vec<T, N>& x, output_cache<T, N>& cache,
                                       mode) noexcept {
        Fn::template forward_row<N>(x.data(), cache.y.data());
        return cache.y;
    }

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> backward(const no_params&, const output_cache<T, N>& cache,
                                        const vec<T, N>& grad_out, no_params&) noexcept {
        vec<T, N> grad_in;
        Fn::template backward_row<N>(cache.y.data(), grad_out.data(), grad_in.data());
        return grad_in;
    }

    template <scalar T, std::size_t N>
    static void forward_batch(const no_params&, std::size_t n, const rows<T, N>& x, rows<T, N>& y, no_batch_state&,
                              const batch_info&) noexcept {
        for (std::size_t r = 0; r < n; ++r) Fn::template forward_row<N>(x.row(r), y.row(r));
    }

    template <scalar T, std::size_t N>
    static void backward_batch(const no_params&, std::size_t n, const rows<T, N>&, const rows<T, N>& y,
                               const rows<T, N>& grad_y, rows<T, N>* grad_x, no_batch_state&, no_params&) noexcept {
        if (grad_x)
            for (std::size_t r = 0; r < n; ++r) Fn::template backward_row<N>(y.row(r), grad_y.row(r), grad_x->row(r));
    }
};

}  // namespace detail

struct softmax : detail::row_layer<softmax> {
    static constexpr std::string_view name = "softmax";

    template <std::size_t N, scalar T>
    static constexpr void forward_row(const T* x, T* y) noexcept {
        const T m = simd::max<N>(x);
        simd::map<N>(x, y, [m](auto v) { return detail::exp_of(v - m); });
        const T inv_sum = T{1} / simd::sum<N>(y);
        simd::map<N>(y, y, [inv_sum](auto e) { return e * inv_sum; });
    }

    template <std::size_t N, scalar T>
    static constexpr void backward_row(const T* y, const T* grad_y, T* grad_x) noexcept {
        const T gy = simd::dot<N>(grad_y, y);
        simd::map<N>(grad_y, y, grad_x, [gy](auto g, auto out) { return out * (g - gy); });
    }
};

}  // namespace typegrad
