// tg::nll: the negative log-likelihood -ln p[label] of a probability vector p (e.g. a network ending
// in tg::softmax) and a class index. p[label] is clamped below at the smallest normal T
// (std::numeric_limits<T>::min()), so p = 0 gives a large finite loss (87.3 in float, 708.4 in
// double) and a finite gradient -1/p. On logits, tg::softmax_cross_entropy is exact where this clamps.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include <typegrad/core/error.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>

namespace typegrad {

struct nll {
    template <scalar T, std::size_t N>
    using target_type = std::size_t;

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& p, std::size_t label) const {
        return -std::log(clamped(p, label));
    }

    /// The loss, and its gradient -1/p[label] at the label (with p clamped), 0 elsewhere.
    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& p, std::size_t label, vec<T, N>& grad) const {
        const T q = clamped(p, label);
        grad = vec<T, N>{};
        grad[label] = T{-1} / q;
        return -std::log(q);
    }

private:
    template <scalar T, std::size_t N>
    static constexpr T clamped(const vec<T, N>& p, std::size_t label) {
        if (label >= N)
            throw value_error(detail::message("nll: label ", label, " is out of range for ", N,
                                              " classes (labels are 0 to ", N - 1, ")"));
        constexpr T smallest = std::numeric_limits<T>::min();
        return p[label] < smallest ? smallest : p[label];  // a NaN stays NaN, for training to notice
    }
};

}  // namespace typegrad
