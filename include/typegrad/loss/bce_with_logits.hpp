// tg::bce_with_logits: binary cross-entropy on logits, for N independent yes/no outputs (a sigmoid
// head without the sigmoid layer), as PyTorch's BCEWithLogitsLoss: Σ -[y·ln σ(z) + (1 - y)·ln(1 - σ(z))],
// or its mean over the N entries with {.reduce = tg::reduction::mean} (PyTorch's default). Targets are
// in [0, 1] (labels 0 and 1, or soft targets). Computed stably as max(z, 0) - z·y + ln(1 + e^-|z|), so
// logits of ±1e4 stay finite; gradient σ(z) - y, /N for the mean.
#pragma once

#include <cmath>
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
            return detail::max_of(z, V(T{0})) - z * y + log1p_of(detail::exp_of(-detail::max_of(z, -z)));
        });
        return simd::sum<N>(loss.data()) * scale<T, N>();
    }

    template <scalar T, std::size_t N>
    T value_and_grad(const vec<T, N>& logits, const vec<T, N>& target, vec<T, N>& grad) const noexcept {
        simd::map<N>(logits.data(), target.data(), grad.data(), [s = scale<T, N>()](auto z, auto y) {
            using V = decltype(z);
            // σ(z) from e = e^-|z| <= 1: 1 / (1 + e) for z >= 0, e / (1 + e) below, never overflowing.
            const V e = detail::exp_of(-detail::max_of(z, -z)), r = V(T{1}) / (V(T{1}) + e);
            return (select_of(z >= V(T{0}), r, e * r) - y) * s;
        });
        return value(logits, target);
    }

private:
    template <class V>
    static V log1p_of(V x) noexcept {
        if constexpr (std::is_floating_point_v<V>) return std::log1p(x);
        else return xsimd::log1p(x);
    }
    template <class C, class V>
    static V select_of(C condition, V a, V b) noexcept {
        if constexpr (std::is_floating_point_v<V>) return condition ? a : b;
        else return xsimd::select(condition, a, b);
    }
    template <scalar T, std::size_t N>
    constexpr T scale() const noexcept {
        return reduce == reduction::mean ? T{1} / T(N) : T{1};
    }
};

}  // namespace typegrad
