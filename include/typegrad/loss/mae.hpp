// tg::mae: the absolute error Σ |out_i - target_i|, as the seed's L1 loss writes it, or its mean over
// the N entries with {.reduce = tg::reduction::mean}. Gradient sign(out - target) (0 where they are
// equal, the kink), /N for the mean.
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct mae {
    reduction reduce = reduction::sum;

    template <scalar T, std::size_t N>
    using target_type = vec<T, N>;

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& out, const vec<T, N>& target) const noexcept {
        vec<T, N> abs_diff;
        simd::map<N>(out.data(), target.data(), abs_diff.data(), [](auto o, auto t) {
            const auto d = o - t;
            return detail::max_of(d, -d);
        });
        return simd::sum<N>(abs_diff.data()) * reduction_scale<T, N>(reduce);
    }

    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& out, const vec<T, N>& target, vec<T, N>& grad) const noexcept {
        simd::map<N>(out.data(), target.data(), grad.data(),
                     [s = reduction_scale<T, N>(reduce)](auto o, auto t) { return detail::sign_of(o - t) * s; });
        return value(out, target);
    }
};

}  // namespace typegrad
