// tg::nll: the negative log-likelihood -ln p[label] of a probability vector p (e.g. a network ending
// in tg::softmax) and a class index. p[label] is clamped below at the smallest normal T
// (std::numeric_limits<T>::min()), so p = 0 gives a large finite loss (87.3 in float, 708.4 in
// double) and a finite gradient -1/p. On logits, tg::softmax_cross_entropy is exact where this clamps;
// on log-probabilities (after tg::log_softmax, PyTorch's NLLLoss), use tg::nll_log_probs.
// With class weights ({.weight = {…}}, PyTorch's NLLLoss(weight=)) a sample of class c counts w[c]
// times: loss and gradient are scaled by w[c], and a mini-batch's mean divides by the sum of the weights.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include <typegrad/core/vec.hpp>
#include <typegrad/loss/class_weights.hpp>
#include <typegrad/loss/loss.hpp>

namespace typegrad {

struct nll {
    class_weights weight;  // none: every class weighs 1

    template <scalar T, std::size_t N>
    using target_type = std::size_t;

    /// The weight of a sample of class `label` (1 without class weights).
    template <scalar T, std::size_t N>
    constexpr T sample_weight(std::size_t label) const {
        return weight.of<T, N>("nll", label);
    }

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& p, std::size_t label) const {
        return sample_weight<T, N>(label) * -std::log(clamped(p, label));
    }

    /// The loss, and its gradient -w/p[label] at the label (with p clamped; w = 1 without class
    /// weights), 0 elsewhere.
    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& p, std::size_t label, vec<T, N>& grad) const {
        const T q = clamped(p, label);
        const T w = sample_weight<T, N>(label);
        grad = vec<T, N>{};
        grad[label] = -w / q;
        return w * -std::log(q);
    }

private:
    template <scalar T, std::size_t N>
    static constexpr T clamped(const vec<T, N>& p, std::size_t label) {
        if (label >= N) detail::label_out_of_range("nll", label, N);
        constexpr T smallest = std::numeric_limits<T>::min();
        return p[label] < smallest ? smallest : p[label];  // a NaN stays NaN, for training to notice
    }
};

}  // namespace typegrad
