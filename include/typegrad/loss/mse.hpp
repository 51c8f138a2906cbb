// tg::mse: the squared error Σ (out_i - target_i)², as the seed's L2 loss writes it, or its mean
// over the N entries with {.reduce = tg::reduction::mean}. Gradient 2(out - target), /N for the mean.
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct mse {
    reduction reduce = reduction::sum;

    template <scalar T, std::size_t N>
    using target_type = vec<T, N>;

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& out, const vec<T, N>& target) const noexcept {
        vec<T, N> diff;
        simd::map<N>(out.data(), target.data(), diff.data(), [](auto o, auto t) { return o - t; });
        return simd::dot<N>(diff.data(), diff.data()) * reduction_scale<T, N>(reduce);
    }

    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& out, const vec<T, N>& target, vec<T, N>& grad) const noexcept {
        simd::map<N>(out.data(), target.data(), grad.data(), [](auto o, auto t) { return o - t; });
        const T s = reduction_scale<T, N>(reduce);
        const T loss = simd::dot<N>(grad.data(), grad.data()) * s;
        simd::map<N>(grad.data(), grad.data(), [two_s = 2 * s](auto d) { return d * two_s; });
        return loss;
    }
};

}  // namespace typegrad
