// tg::log_softmax: the logarithm of softmax, y_i = x_i - m - ln Σ_j e^(x_j - m) with m = max(x), so
// large scores never overflow and very unlikely classes keep a finite log-probability (softmax's
// probability would round to 0). Pair it with tg::nll_log_probs, PyTorch's LogSoftmax + NLLLoss.
// Backward: ∂L/∂x = g - e^y·Σ_j g_j, from the cached output.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/softmax.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct log_softmax : detail::row_layer<log_softmax> {
    static constexpr std::string_view name = "log_softmax";

    // y = x - m - ln Σ e^(x - m): the exponentials go through y first, which then takes the shift.
    template <std::size_t N, scalar T>
    static void forward_row(const T* x, T* y) noexcept {
        const T m = simd::max<N>(x);
        simd::map<N>(x, y, [m](auto v) { return detail::exp_of(v - m); });
        const T shift = m + std::log(simd::sum<N>(y));
        simd::map<N>(x, y, [shift](auto v) { return v - shift; });
    }

    template <std::size_t N, scalar T>
    static void backward_row(const T* y, const T* grad_y, T* grad_x) noexcept {
        const T total = simd::sum<N>(grad_y);
        simd::map<N>(grad_y, y, grad_x, [total](auto g, auto out) { return g - detail::exp_of(out) * total; });
    }
};

}  // namespace typegrad
