// tg::bce_with_logits: binary cross-entropy on logits, for N independent yes/no outputs (a sigmoid
// head without the sigmoid layer), as PyTorch's BCEWithLogitsLoss: Σ -[y·ln σ(z) + (1 - y)·ln(1 - σ(z))],
// or its mean over the N entries with {.reduce = tg::reduction::mean} (PyTorch's default). Targets are
// in [0, 1] (labels 0 and 1, or soft targets). Computed stably as max(z, 0) - z·y + ln(1 + e^-|z|), so
// logits of ±1e4 stay finite; gradient σ(z) - y, /N for the mean.
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct bce_with_logits {
    reduction reduce = reduction::sum;

    template <scalar T, std::size_t N>
    using target_type = vec<T, N>;

    template <scalar T, std::size_t N>
    T value(const vec<T, N>& logits, const vec<T, N>& target) const noexcept {
        vec<T, N> loss;
        simd::map<N>(logits.data(), target.data(), loss.data(), [](auto z, auto y) {
            using V = decltype(z);
            return detail::max_of(z, V(T{0})) - z * y + detail::log1p_of(detail::exp_of(-detail::max_of(z, -z)));
        });
        return simd::sum<N>(loss.data()) * reduction_scale<T, N>(reduce);
    }

    template <scalar T, std::size_t N>
    T value_and_grad(const vec<T, N>& logits, const vec<T, N>& target, vec<T, N>& grad) const noexcept {
        simd::map<N>(logits.data(), target.data(), grad.data(), [s = reduction_scale<T, N>(reduce)](auto z, auto y) {
            using V = decltype(z);
            // σ(z) from e = e^-|z| <= 1: 1 / (1 + e) for z >= 0, e / (1 + e) below, never overflowing.
            const V e = detail::exp_of(-detail::max_of(z, -z)), r = V(T{1}) / (V(T{1}) + e);
            return (detail::select_of(z >= V(T{0}), r, e * r) - y) * s;
        });
        return value(logits, target);
    }
};

}  // namespace typegrad
