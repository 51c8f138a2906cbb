// tg::softmax_cross_entropy: -ln softmax(z)[label] for logits z and a class index, fused and stable:
// log Σ e^{z_j} is computed as m + log Σ e^{z_j - m} with m = max(z), so logits of ±1e4 and classes
// whose probability underflows to 0 give finite losses (z_max - z_label for those). Gradient
// softmax(z) - onehot. Put it after a network whose last layer is linear (logits), not after tg::softmax.
#pragma once

#include <cmath>
#include <cstddef>

#include <typegrad/core/error.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct softmax_cross_entropy {
    template <scalar T, std::size_t N>
    using target_type = std::size_t;

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& logits, std::size_t label) const {
        vec<T, N> grad;
        return value_and_grad(logits, label, grad);
    }

    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& logits, std::size_t label, vec<T, N>& grad) const {
        if (label >= N)
            throw value_error(detail::message("softmax_cross_entropy: label ", label, " is out of range for ", N,
                                              " classes (labels are 0 to ", N - 1, ")"));
        const T m = simd::max<N>(logits.data());
        simd::map<N>(logits.data(), grad.data(), [m](auto z) { return detail::exp_of(z - m); });
        const T sum = simd::sum<N>(grad.data());
        const T inv_sum = T{1} / sum;
        simd::map<N>(grad.data(), grad.data(), [inv_sum](auto e) { return e * inv_sum; });
        grad[label] -= T{1};
        // (m - z_label) first: at large logits m + log(sum) would round log(sum) away.
        return (m - logits[label]) + std::log(sum);
    }
};

}  // namespace typegrad
