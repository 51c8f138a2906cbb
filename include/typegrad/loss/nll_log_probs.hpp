// tg::nll_log_probs: the negative log-likelihood -y[label] of log-probabilities y (a network ending in
// tg::log_softmax) and a class index: PyTorch's NLLLoss (per sample; tg::fit averages over a batch as
// its reduction='mean' does). Its gradient is -1 at the label, 0 elsewhere. tg::nll takes probabilities
// instead (after tg::softmax) and clamps them away from 0; on log-probabilities nothing needs clamping.
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>

namespace typegrad {

struct nll_log_probs {
    template <scalar T, std::size_t N>
    using target_type = std::size_t;

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& log_p, std::size_t label) const {
        if (label >= N) detail::label_out_of_range("nll_log_probs", label, N);
        return -log_p[label];
    }

    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& log_p, std::size_t label, vec<T, N>& grad) const {
        const T loss = value(log_p, label);
        grad = vec<T, N>{};
        grad[label] = T{-1};
        return loss;
    }
};

}  // namespace typegrad
