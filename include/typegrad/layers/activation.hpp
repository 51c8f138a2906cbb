// tg::activation<Expr>: an activation layer from any one-variable expression of tg::x_, e.g.
// tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)> (SiLU). Its derivative is tg::d(Expr, tg::x_),
// generated at compile time; it caches its input z and multiplies the incoming gradient by Expr'(z).
#pragma once

#include <cstddef>
#include <string_view>

#include <typegrad/core/vec.hpp>
#include <typegrad/expr.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

/// The activation layer computing Expr elementwise. Inside the template argument the function
/// forms are tg::expr::sigmoid, tg::expr::tanh, ... (tg::sigmoid names the layer), or unqualified
/// sigmoid(tg::x_), found by argument-dependent lookup.
template <auto Expr>
struct activation : parameter_free_layer<input_cache> {
    static constexpr std::string_view name = "activation";
    static_assert(expression<decltype(Expr)>, "tg::activation<Expr>: Expr must be an expression of tg::x_");
    static_assert(decltype(Expr)::arity <= 1,
                  "tg::activation<Expr>: Expr may use only one variable, tg::x_ (var<0>)");

    static constexpr auto derivative = d(Expr, x_);

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> forward(const no_params&, const vec<T, N>& z, input_cache<T, N>& cache,
                                       mode) noexcept {
        cache.z = z;
        vec<T, N> y;
        simd::map<N>(z.data(), y.data(), [](auto v) { return Expr(v); });
        return y;
    }

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> backward(const no_params&, const input_cache<T, N>& cache,
                                        const vec<T, N>& grad_out, no_params&) noexcept {
        vec<T, N> grad_in;
        simd::map<N>(grad_out.data(), cache.z.data(), grad_in.data(),
                     [](auto g, auto z) { return g * derivative(z); });
        return grad_in;
    }

    template <scalar T, std::size_t N>
    static void forward_batch(const no_params&, std::size_t n, const rows<T, N>& x, rows<T, N>& y, no_batch_state&,
                              const batch_info&) noexcept {
        for (std::size_t r = 0; r < n; ++r) simd::map<N>(x.row(r), y.row(r), [](auto v) { return Expr(v); });
    }

    template <scalar T, std::size_t N>
    static void backward_batch(const no_params&, std::size_t n, const rows<T, N>& x, const rows<T, N>&,
                               const rows<T, N>& grad_y, rows<T, N>* grad_x, no_batch_state&, no_params&) noexcept {
        if (!grad_x) return;
        for (std::size_t r = 0; r < n; ++r)
            simd::map<N>(grad_y.row(r), x.row(r), grad_x->row(r), [](auto g, auto z) { return g * derivative(z); });
    }
};

}  // namespace typegrad
