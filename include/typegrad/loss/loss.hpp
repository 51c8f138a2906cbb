// The loss interface: what tg::value_and_grad and training need from a loss, as the concept
// tg::loss_for<Loss, T, N>, and tg::reduction (the seed writes losses as sums; frameworks use means).
#pragma once

#include <concepts>
#include <cstddef>

#include <typegrad/core/error.hpp>
#include <typegrad/core/vec.hpp>

namespace typegrad {

/// Whether a loss sums over the output's entries (the seed's formulas) or averages them.
enum class reduction { sum, mean };

/// The factor a loss's sum over N entries is multiplied by: 1, or 1/N for the mean.
template <scalar T, std::size_t N>
constexpr T reduction_scale(reduction reduce) noexcept {
    return reduce == reduction::mean ? T{1} / T(N) : T{1};
}

/// The target a loss compares a network output of N entries with: tg::vec<T, N> for regression
/// losses, std::size_t (a class index) for classification losses.
template <class Loss, class T, std::size_t N>
using loss_target_t = typename Loss::template target_type<T, N>;

/// @brief Loss scores an output vec<T, N> against its target. A loss provides:
///   Loss::target_type<T, N>                          the target type
///   loss.value(out, target) -> T                     the loss of one sample
///   loss.value_and_grad(out, target, grad&) -> T     the same, and writes ∂loss/∂out into grad
/// Both are const, never allocate, and throw tg::value_error for a target out of range (a label ≥ N).
template <class Loss, class T, std::size_t N>
concept loss_for = requires(const Loss& loss, const vec<T, N>& out, const loss_target_t<Loss, T, N>& target,
                            vec<T, N>& grad) {
    { loss.value(out, target) } -> std::same_as<T>;
    { loss.value_and_grad(out, target, grad) } -> std::same_as<T>;
};

/// @brief Loss weighs each sample by its target (class weights, tg::class_weights):
/// loss.sample_weight<T, N>(target) is what the sample's loss counts for in a mini-batch's mean.
template <class Loss, class T, std::size_t N>
concept weighs_samples = loss_for<Loss, T, N> && requires(const Loss& loss, const loss_target_t<Loss, T, N>& target) {
    { loss.template sample_weight<T, N>(target) } -> std::same_as<T>;
};

namespace detail {

/// What a sample with this target counts for in a mini-batch's mean: its weight, or 1.
template <class T, std::size_t N, class Loss, class Target>
T sample_weight(const Loss& loss, const Target& target) {
    if constexpr (weighs_samples<Loss, T, N>) return loss.template sample_weight<T, N>(target);
    else return T{1};
}

/// The summed weights of n samples with targets target(0), …, target(n - 1): what their summed losses
/// are divided by for their mean (n when the loss does not weigh samples), as PyTorch's 'mean' does.
template <class T, std::size_t N, class Loss, class Target>
T batch_weight(const Loss& loss, std::size_t n, Target&& target) {
    if constexpr (weighs_samples<Loss, T, N>) {
        T sum{};
        for (std::size_t r = 0; r < n; ++r) sum += loss.template sample_weight<T, N>(target(r));
        return sum;
    } else {
        return T(n);
    }
}

/// x / weight, a mini-batch's mean of x; 0 for a batch that weighs nothing (all its samples of classes
/// of weight 0), where PyTorch gives NaN: such a batch does not move the parameters.
template <class T>
constexpr T per_weight(T x, T weight) noexcept {
    return weight > T{0} ? x / weight : T{0};
}

/// Throws value_error for a label that names none of `classes` classes; `loss` names the caller.
/// Callers test `label >= classes` themselves, so the compiler sees the bound where they index.
[[noreturn]] inline void label_out_of_range(const char* loss, std::size_t label, std::size_t classes) {
    throw value_error(message(loss, ": label ", label, " is out of range for ", classes, " classes (labels are 0 to ",
                              classes - 1, ")"));
}

}  // namespace detail
}  // namespace typegrad
