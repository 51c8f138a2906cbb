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

namespace detail {

/// Throws value_error for a label that names none of `classes` classes; `loss` names the caller.
/// Callers test `label >= classes` themselves, so the compiler sees the bound where they index.
[[noreturn]] inline void label_out_of_range(const char* loss, std::size_t label, std::size_t classes) {
    throw value_error(message(loss, ": label ", label, " is out of range for ", classes, " classes (labels are 0 to ",
                              classes - 1, ")"));
}

}  // namespace detail
}  // namespace typegrad
