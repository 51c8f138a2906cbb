// tg::huber<Delta>: the Huber loss (smooth L1), quadratic near the target and linear away from it:
// Σ h(out_i - target_i) with h(d) = d²/2 for |d| <= Delta and Delta·(|d| - Delta/2) beyond, or its
// mean over the N entries with {.reduce = tg::reduction::mean} (PyTorch's HuberLoss(delta=Delta),
// whose default reduction is the mean). Gradient clamp(d, -Delta, Delta), /N for the mean. With
// c = clamp(d, -Delta, Delta), h(d) = c·(d - c/2) on both sides, which is how it is computed.
#pragma once

#include <cmath>
#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

template <double Delta = 1.0>
struct huber {
    static_assert(Delta > 0 && Delta < HUGE_VAL, "tg::huber<Delta>: expected a finite Delta > 0");
    reduction reduce = reduction::sum;

    template <scalar T, std::size_t N>
    using target_type = vec<T, N>;

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& out, const vec<T, N>& target) const noexcept {
        vec<T, N> h;
        simd::map<N>(out.data(), target.data(), h.data(), [](auto o, auto t) {
            const auto d = o - t;
            const auto c = clamp<T>(d);
            return c * (d - c * T{0.5});
        });
        return simd::sum<N>(h.data()) * reduction_scale<T, N>(reduce);
    }

    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& out, const vec<T, N>& target, vec<T, N>& grad) const noexcept {
        simd::map<N>(out.data(), target.data(), grad.data(),
                     [s = reduction_scale<T, N>(reduce)](auto o, auto t) { return clamp<T>(o - t) * s; });
        return value(out, target);
    }

private:
    // d clamped to [-Delta, Delta]; V is T or a SIMD batch of T.
    template <scalar T, class V>
    static constexpr V clamp(V d) noexcept {
        return detail::min_of(detail::max_of(d, V(-static_cast<T>(Delta))), V(static_cast<T>(Delta)));
    }
};

}  // namespace typegrad
