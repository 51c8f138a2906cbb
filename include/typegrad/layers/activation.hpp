// tg::activation<Expr>: an activation layer from any one-variable expression of tg::x_, e.g.
// tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)> (SiLU). Its derivative is tg::d(Expr, tg::x_),
// generated at compile time; it caches its input z and multiplies the incoming gradient by Expr'(z).
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/expr.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

template <scalar T, std::size_t N>
struct input_cache {
    vec<T, N> z;
};

/// The activation layer computing Expr elementwise. Inside the template argument the function
/// forms are tg::expr::sigmoid, tg::expr::tanh, ... (tg::sigmoid names the layer), or unqualified
/// sigmoid(tg::x_), found by argument-dependent lookup.
template <auto Expr>
struct activation {
    static_assert(expression<decltype(Expr)>, "tg::activation<Expr>: Expr must be an expression of tg::x_");
    static_assert(decltype(Expr)::arity <= 1,
                  "tg::activation<Expr>: Expr may use only one variable, tg::x_ (var<0>)");

    static constexpr auto derivative = d(Expr, x_);

    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
    template <scalar T, std::size_t>
    using params_type = no_params;
    template <scalar T, std::size_t In>
    using cache_type = input_cache<T, In>;

    static constexpr void init(no_params&, rng&, init_scheme) noexcept {}

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
};

}  // namespace typegrad
