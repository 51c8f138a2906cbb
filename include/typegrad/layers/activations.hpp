// The built-in activation layers: identity, sign, sigmoid, relu and tanh. Each preserves its input
// size, has no parameters, and (except identity) caches its output y, from which it writes its own
// derivative: sigmoid' = y(1 - y), tanh' = 1 - y², relu' = [y > 0], sign' = 0 (almost everywhere).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

template <scalar T, std::size_t N>
struct output_cache {
    vec<T, N> y;
};

namespace detail {

/// An elementwise activation whose derivative is a function of its output. Fn (the derived layer)
/// provides value(z) and derivative_from_output(y) for T and simd::batch<T> alike.
template <class Fn>
struct output_cached_activation : parameter_free_layer<output_cache> {
    template <scalar T, std::size_t N>
    static constexpr vec<T, N> forward(const no_params&, const vec<T, N>& z, output_cache<T, N>& cache,
                                       mode) noexcept {
        simd::map<N>(z.data(), cache.y.data(), [](auto v) { return Fn::value(v); });
        return cache.y;
    }

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> backward(const no_params&, const output_cache<T, N>& cache,
                                        const vec<T, N>& grad_out, no_params&) noexcept {
        vec<T, N> grad_in;
        simd::map<N>(grad_out.data(), cache.y.data(), grad_in.data(),
                     [](auto g, auto y) { return g * Fn::derivative_from_output(y); });
        return grad_in;
    }

    template <scalar T, std::size_t N>
    static void forward_batch(const no_params&, std::size_t n, const rows<T, N>& x, rows<T, N>& y, no_batch_state&,
                              const batch_info&) noexcept {
        for (std::size_t r = 0; r < n; ++r)
            simd::map<N>(x.row(r), y.row(r), [](auto v) { return Fn::value(v); });
    }

    template <scalar T, std::size_t N>
    static void backward_batch(const no_params&, std::size_t n, const rows<T, N>&, const rows<T, N>& y,
                               const rows<T, N>& grad_y, rows<T, N>* grad_x, no_batch_state&, no_params&) noexcept {
        if (!grad_x) return;
        for (std::size_t r = 0; r < n; ++r)
            simd::map<N>(grad_y.row(r), y.row(r), grad_x->row(r),
                         [](auto g, auto out) { return g * Fn::derivative_from_output(out); });
    }
};

}  // namespace detail

/// y = z: the regression head's "no activation". Keeps nothing and passes gradients through.
struct identity : parameter_free_layer<no_cache> {
    static constexpr std::string_view name = "identity";
    template <scalar T, std::size_t N>
    static constexpr vec<T, N> forward(const no_params&, const vec<T, N>& z, no_params&, mode) noexcept {
        return z;
    }
    template <scalar T, std::size_t N>
    static constexpr vec<T, N> backward(const no_params&, const no_params&, const vec<T, N>& grad_out,
                                        no_params&) noexcept {
        return grad_out;
    }

    template <scalar T, std::size_t N>
    static void forward_batch(const no_params&, std::size_t n, const rows<T, N>& x, rows<T, N>& y, no_batch_state&,
                              const batch_info&) noexcept {
        std::copy_n(x.data(), n * N, y.data());
    }
    template <scalar T, std::size_t N>
    static void backward_batch(const no_params&, std::size_t n, const rows<T, N>&, const rows<T, N>&,
                               const rows<T, N>& grad_y, rows<T, N>* grad_x, no_batch_state&, no_params&) noexcept {
        if (grad_x) std::copy_n(grad_y.data(), n * N, grad_x->data());
    }
};

/// The seed's sign neuron: 1 if z > 0, 0 if z = 0, -1 if z < 0. Its gradient is 0.
struct sign : detail::output_cached_activation<sign> {
    static constexpr std::string_view name = "sign";
    template <class V>
    static constexpr V value(V z) noexcept { return detail::sign_of(z); }
    template <class V>
    static constexpr V derivative_from_output(V) noexcept { return V(0); }
};

/// 1 / (1 + e^-z), in (0, 1); derivative y(1 - y), at most 1/4. Relative error at most 5e-7 in float
/// and 1e-15 in double (xsimd's exp), on every instruction set: tests/unit/activation_sigmoid.cpp.
struct sigmoid : detail::output_cached_activation<sigmoid> {
    static constexpr std::string_view name = "sigmoid";
    template <class V>
    static constexpr V value(V z) noexcept { return V(1) / (V(1) + detail::exp_of(-z)); }
    template <class V>
    static constexpr V derivative_from_output(V y) noexcept { return y * (V(1) - y); }
};

/// max(0, z); derivative 1 where the output is positive, else 0.
struct relu : detail::output_cached_activation<relu> {
    static constexpr std::string_view name = "relu";
    template <class V>
    static constexpr V value(V z) noexcept { return detail::max_of(z, V(0)); }
    template <class V>
    static constexpr V derivative_from_output(V y) noexcept { return detail::step_of(y); }
};

/// The hyperbolic tangent, in (-1, 1); derivative 1 - y².
struct tanh : detail::output_cached_activation<tanh> {
    static constexpr std::string_view name = "tanh";
    template <class V>
    static constexpr V value(V z) noexcept { return detail::tanh_of(z); }
    template <class V>
    static constexpr V derivative_from_output(V y) noexcept { return V(1) - y * y; }
};

}  // namespace typegrad
