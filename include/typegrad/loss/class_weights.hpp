// tg::class_weights: one weight per class for the classification losses (softmax_cross_entropy, nll),
// as PyTorch's `weight=`: a sample of class c has loss w[c]·loss, and a mini-batch's mean divides the
// summed losses by the sum of its samples' weights, not by their count. Checked when made: every
// weight a finite number >= 0.
#pragma once

#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/loss/loss.hpp>

namespace typegrad {

class class_weights {
public:
    /// No weights: every class weighs 1.
    constexpr class_weights() = default;
    class_weights(std::initializer_list<double> weights) : class_weights(std::span(weights.begin(), weights.size())) {}
    /// Throws value_error for a weight that is negative or not finite.
    explicit class_weights(std::span<const double> weights) : weights_(weights.begin(), weights.end()) {
        for (std::size_t c = 0; c < weights_.size(); ++c)
            if (!(weights_[c] >= 0 && std::isfinite(weights_[c])))
                throw value_error(detail::message("tg::class_weights: the weight of class ", c, " is ", weights_[c],
                                                  ", expected a finite weight >= 0"));
    }

    constexpr bool empty() const noexcept { return weights_.empty(); }
    constexpr std::size_t size() const noexcept { return weights_.size(); }
    std::span<const double> values() const noexcept { return weights_; }

    /// The weight of class `label` of N (1 without weights). Throws value_error for a label ≥ N or
    /// weights that are not one per class; `loss` names the caller.
    template <scalar T, std::size_t N>
    constexpr T of(const char* loss, std::size_t label) const {
        if (label >= N) detail::label_out_of_range(loss, label, N);
        if (weights_.empty()) return T{1};
        if (weights_.size() != N)
            throw value_error(detail::message(loss, ": ", weights_.size(), " class weights for ", N,
                                              " classes (network outputs), expected one weight per class"));
        return static_cast<T>(weights_[label]);
    }

private:
    std::vector<double> weights_;
};

}  // namespace typegrad
