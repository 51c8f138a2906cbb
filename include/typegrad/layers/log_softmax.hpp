// tg::log_softmax: the logarithm of softmax, y_i = x_i - m - ln Σ_j e^(x_j - m) with m = max(x), so
// large scores never overflow and very unlikely classes keep a finite log-probability (softmax's
// probability would round to 0). Pair it with tg::nll_log_probs, PyTorch's LogSoftmax + NLLLoss.
// Backward: ∂L/∂x = g - e^y·Σ_j g_j, from the cached output.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct log_softmax : parameter_free_layer<output_cache> {
    static constexpr std::string_view name = "log_softmax";
    template <scalar T, std::size_t N>
    static vec<T, N> forward(const no_params&, const vec<T, N>& x, output_cache<T, N>& cache, mode) noexcept {
        forward_row<N>(x.data(), cache.y.data());
        return cache.y;
    }

    template <scalar T, std::size_t N>
    static vec<T, N> backward(const no_params&, const output_cache<T, N>& cache, const vec<T, N>& grad_out,
                              no_params&) noexcept {
        vec<T, N> grad_in;
        backward_row<N>(cache.y.data(), grad_out.data(), grad_in.data());
        return grad_in;
    }

    template <scalar T, std::size_t N>
    static void forward_batch(const no_params&, std::size_t n, const rows<T, N>& x, rows<T, N>& y, no_batch_state&,
                              const batch_info&) noexcept {
        for (std::size_t r = 0; r < n; ++r) forward_row<N>(x.row(r), y.row(r));
    }

    template <scalar T, std::size_t N>
    static void backward_batch(const no_params&, std::size_t n, const rows<T, N>&, const rows<T, N>& y,
                               const rows<T, N>& grad_y, rows<T, N>* grad_x, no_batch_state&, no_params&) noexcept {
        if (grad_x)
            for (std::size_t r = 0; r < n; ++r) backward_row<N>(y.row(r), grad_y.row(r), grad_x->row(r));
    }

private:
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
