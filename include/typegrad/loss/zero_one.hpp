// tg::zero_one: the 0/1 loss of a classifier, 1 when the predicted class (the index of the largest
// output, the first one on ties) is not the label, else 0. Summed over samples it counts the
// misclassified ones, so it serves as a metric. Its gradient is zero everywhere it exists: it
// cannot train a network; train with a differentiable loss and report this one.
#pragma once

#include <cstddef>

#include <typegrad/core/error.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>

namespace typegrad {

struct zero_one {
    template <scalar T, std::size_t N>
    using target_type = std::size_t;

    /// The predicted class: the index of the largest output, the first one on ties.
    template <scalar T, std::size_t N>
    static constexpr std::size_t predicted_class(const vec<T, N>& out) noexcept {
        std::size_t best = 0;
        for (std::size_t i = 1; i < N; ++i)
            if (out[i] > out[best]) best = i;
        return best;
    }

    template <scalar T, std::size_t N>
    constexpr T value(const vec<T, N>& out, std::size_t label) const {
        if (label >= N)
            throw value_error(detail::message("zero_one: label ", label, " is out of range for ", N,
                                              " classes (labels are 0 to ", N - 1, ")"));
        return predicted_class(out) == label ? T{0} : T{1};
    }

    /// The loss, and a zero gradient: the loss is a step function of the outputs.
    template <scalar T, std::size_t N>
    constexpr T value_and_grad(const vec<T, N>& out, std::size_t label, vec<T, N>& grad) const {
        const T loss = value(out, label);
        grad = vec<T, N>{};
        return loss;
    }
};

}  // namespace typegrad
