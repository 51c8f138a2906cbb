// tg::softmax_cross_entropy: -ln softmax(z)[label] for logits z and a class index, fused and stable:
// log Σ e^{z_j} is computed as m + log Σ e^{z_j - m} with m = max(z), so logits of ±1e4 and classes
// whose probability underflows to 0 give finite losses (z_max - z_label for those). Gradient
// softmax(z) - onehot. Put it after a network whose last layer is linear (logits), not after tg::softmax.
// With class weights ({.weight = {…}}, PyTorch's weight=) a sample of class c counts w[c] times: loss
// and gradient are scaled by w[c], and a mini-batch's mean divides by the sum of its samples' weights.
#pragma once

#include <cmath>
#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/loss/class_weights.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct softmax_cross_entropy {
    class_weights weight;  // none: every class weighs 1

    template <scalar T, std::size_t N>
    using target_type = std::size_t;

    /// The weight of a sample of class `label` (1 without class weights).
    template <scalar T, std::size_t N>
    constexpr T sample_weight(std::size_t label) const {
        return weight.of<T, N>("softmax_cross_entropy", label);
    }

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& logits, std::size_t label) const {
        vec<T, N> grad;
        return value_and_grad(logits, label, grad);
    }

    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& logits, std::size_t label, vec<T, N>& grad) const {
        if (label >= N) detail::label_out_of_range("softmax_cross_entropy", label, N);
        const T m = simd::max<N>(logits.data());
        simd::map<N>(logits.data(), grad.data(), [m](auto z) { return detail::exp_of(z - m); });
        const T sum = simd::sum<N>(grad.data());
        const T inv_sum = T{1} / sum;
        simd::map<N>(grad.data(), grad.data(), [inv_sum](auto e) { return e * inv_sum; });
        grad[label] -= T{1};
        // (m - z_label) first: at large logits m + log(sum) would round log(sum) away.
        const T loss = (m - logits[label]) + std::log(sum);
        if (weight.empty()) return loss;
        const T w = sample_weight<T, N>(label);
        simd::map<N>(grad.data(), grad.data(), [w](auto g) { return g * w; });
        return w * loss;
    }
};

}  // namespace typegrad
