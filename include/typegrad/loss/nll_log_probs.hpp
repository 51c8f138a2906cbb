// tg::nll_log_probs: the negative log-likelihood -y[label] of log-probabilities y (a network ending in
// tg::log_softmax) and a class index: PyTorch's NLLLoss (per sample; tg::fit averages over a batch as
// its reduction='mean' does). Its gradient is -1 at the label, 0 elsewhere. tg::nll takes probabilities
// instead (after tg::softmax) and clamps them away from 0; on log-probabilities nothing needs clamping.
// With class weights ({.weight = {…}}, PyTorch's NLLLoss(weight=)) a sample of class c counts w[c]
// times: loss and gradient are scaled by w[c], and a mini-batch's mean divides by the sum of the weights.
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/loss/class_weights.hpp>
#include <typegrad/loss/loss.hpp>

namespace typegrad {

struct nll_log_probs {
    class_weights weight;  // none: every class weighs 1

    template <scalar T, std::size_t N>
    using target_type = std::size_t;

    /// The weight of a sample of class `label` (1 without class weights).
    template <scalar T, std::size_t N>
    constexpr T sample_weight(std::size_t label) const {
        return weight.of<T, N>("nll_log_probs", label);
    }

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& log_p, std::size_t label) const {
        return -sample_weight<T, N>(label) * log_p[label];
    }

    /// The loss, and its gradient -w at the label (w = 1 without class weights), 0 elsewhere.
    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& log_p, std::size_t label, vec<T, N>& grad) const {
        const T w = sample_weight<T, N>(label);
        grad = vec<T, N>{};
        grad[label] = -w;
        return -w * log_p[label];
    }
};

}  // namespace typegrad
