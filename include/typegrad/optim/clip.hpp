// Gradient clipping, as PyTorch's torch.nn.utils.clip_grad_norm_ and clip_grad_value_ do it: by the
// global norm of every tensor of a gradient together, or each element by value. Call them between
// value_and_grad (or value_and_grad_batch) and the optimizer's step. One SIMD pass per tensor (two
// for the norm when it clips), no allocation.
#pragma once

#include <cmath>
#include <limits>
#include <string_view>

#include <typegrad/core/error.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {
namespace detail {

// Throws value_error unless `value`, the option `option` of `who`, is a finite number > 0.
inline void check_clip_limit(std::string_view who, std::string_view option, double value) {
    if (value > 0 && value <= std::numeric_limits<double>::max()) return;  // false for NaN
    throw value_error(message(who, ": ", option, " is ", value, ", expected a finite number > 0"));
}

}  // namespace detail

/// The global norm of grad, √(Σ g²) over every tensor. When it is above max_norm, scales grad by
/// max_norm / (norm + 1e-6) (PyTorch's factor), so its norm becomes max_norm. Returns the norm before
/// clipping; a non-finite norm (an overflowed or NaN gradient) leaves grad as it is, for the caller
/// to see in the result. Throws value_error unless max_norm is a finite number > 0.
template <class Net, class T>
T clip_grad_norm(params<Net, T>& grad, double max_norm) {
    detail::check_clip_limit("tg::clip_grad_norm", "max_norm", max_norm);
    T squares = 0;
    for_each_tensor([&](std::size_t, std::string_view, const auto& g) {
        squares += simd::dot<std::remove_cvref_t<decltype(g)>::size()>(g.data(), g.data());
    }, grad);
    const T norm = std::sqrt(squares);
    if (std::isfinite(norm) && norm > static_cast<T>(max_norm)) {
        const T factor = static_cast<T>(max_norm / (static_cast<double>(norm) + 1e-6));
        for_each_tensor([&](std::size_t, std::string_view, auto& g) {
            simd::map<std::remove_cvref_t<decltype(g)>::size()>(g.data(), g.data(), [=](auto x) { return x * factor; });
        }, grad);
    }
    return norm;
}

/// Clamps every element of grad to [-clip, clip]. Throws value_error unless clip is a finite number > 0.
template <class Net, class T>
void clip_grad_value(params<Net, T>& grad, double clip) {
    detail::check_clip_limit("tg::clip_grad_value", "clip", clip);
    const T c = static_cast<T>(clip);
    for_each_tensor([&](std::size_t, std::string_view, auto& g) {
        simd::map<std::remove_cvref_t<decltype(g)>::size()>(g.data(), g.data(), [=](auto x) {
            using V = decltype(x);
            return detail::min_of(detail::max_of(x, V(-c)), V(c));
        });
    }, grad);
}

}  // namespace typegrad
