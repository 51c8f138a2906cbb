// tg::softmax: turns scores into a probability distribution, y_i = e^(x_i - m) / Σ_j e^(x_j - m)
// with m = max(x), so large scores never overflow. The kernels never let padding lanes reach the
// max or the sum. Backward: ∂L/∂x = y ⊙ (g - (g·y)).
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct softmax {
    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
    template <scalar T, std::size_t>
    using params_type = no_params;
    template <scalar T, std::size_t In>
    using cache_type = output_cache<T, In>;

    static constexpr void init(no_params&, rng&, init_scheme) noexcept {}

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> forward(const no_params&, const vec<T, N>& x, output_cache<T, N>& cache,
                                       mode) noexcept {
        const T m = simd::max<N>(x.data());
        simd::map<N>(x.data(), cache.y.data(), [m](auto v) { return detail::exp_of(v - m); });
        const T inv_sum = T{1} / simd::sum<N>(cache.y.data());
        simd::map<N>(cache.y.data(), cache.y.data(), [inv_sum](auto e) { return e * inv_sum; });
        return cache.y;
    }

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> backward(const no_params&, const output_cache<T, N>& cache,
                                        const vec<T, N>& grad_out, no_params&) noexcept {
        const T gy = simd::dot<N>(grad_out.data(), cache.y.data());
        vec<T, N> grad_in;
        simd::map<N>(grad_out.data(), cache.y.data(), grad_in.data(), [gy](auto g, auto y) { return y * (g - gy); });
        return grad_in;
    }
};

}  // namespace typegrad
