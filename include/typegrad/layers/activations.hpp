// The built-in elementwise activation layers: identity, sign, sigmoid, relu and tanh, and the named
// ones PyTorch users expect: leaky_relu, elu, softplus, silu, gelu and gelu_tanh. Each preserves its
// input size and has no parameters. Most cache their output y, from which they write their own
// derivative (sigmoid' = y(1 - y), relu' = [y > 0], ...); silu and the gelus, whose derivative is not
// a function of the output, cache their input z instead.
#pragma once

#include <algorithm>
#include <cstddef>
#include <ratio>
#include <numbers>
#include <string_view>
#include <type_traits>

#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

template <scalar T, std::size_t N>
struct output_cache {
    vec<T, N> y;
};

template <scalar T, std::size_t N>
struct input_cache {
    vec<T, N> z;
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

/// An elementwise activation whose derivative needs its input (silu, gelu). Fn (the derived layer)
/// provides value(z) and derivative(z) for T and simd::batch<T> alike. A layer that fuses it keeps z in
/// the rows (or cache) between the two, which the unfused pair would also fill.
template <class Fn>
struct input_cached_activation : parameter_free_layer<input_cache> {
    template <scalar T, std::size_t N>
    static constexpr vec<T, N> forward(const no_params&, const vec<T, N>& z, input_cache<T, N>& cache,
                                       mode) noexcept {
        cache.z = z;
        vec<T, N> y;
        simd::map<N>(z.data(), y.data(), [](auto v) { return Fn::value(v); });
        return y;
    }

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> backward(const no_params&, const input_cache<T, N>& cache,
                                        const vec<T, N>& grad_out, no_params&) noexcept {
        vec<T, N> grad_in;
        simd::map<N>(grad_out.data(), cache.z.data(), grad_in.data(),
                     [](auto g, auto z) { return g * Fn::derivative(z); });
        return grad_in;
    }

    template <scalar T, std::size_t N>
    static void forward_batch(const no_params&, std::size_t n, const rows<T, N>& x, rows<T, N>& y, no_batch_state&,
                              const batch_info&) noexcept {
        for (std::size_t r = 0; r < n; ++r)
            simd::map<N>(x.row(r), y.row(r), [](auto v) { return Fn::value(v); });
    }

    template <scalar T, std::size_t N>
    static void backward_batch(const no_params&, std::size_t n, const rows<T, N>& x, const rows<T, N>&,
                               const rows<T, N>& grad_y, rows<T, N>* grad_x, no_batch_state&, no_params&) noexcept {
        if (!grad_x) return;
        for (std::size_t r = 0; r < n; ++r)
            simd::map<N>(grad_y.row(r), x.row(r), grad_x->row(r),
                         [](auto g, auto z) { return g * Fn::derivative(z); });
    }
};

/// The elementwise activation A's derivative at one element (V = T) or one batch (V = simd::batch<T>)
/// of a layer's rows: from its input z or its output y, whichever A's derivative needs (the other is
/// not read). tg::fit's neuron split applies the derivative of the activation a dense layer fuses through it.
template <class A, class V, scalar T>
constexpr V activation_derivative(const T* z, const T* y) noexcept {
    const auto load = [](const T* at) {
        if constexpr (std::is_same_v<V, T>) return *at;
        else return V::load_unaligned(at);
    };
    if constexpr (derivative_from_input<A>) return A::derivative(load(z));
    else return A::derivative_from_output(load(y));
}

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
    static constexpr bool rectifier = true;
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

// The named activations. The rectifiers among them (those near 0 for z < 0 and near z for z > 0) set
// `rectifier`, so that tg::init gives the layer before them He initialisation, as it does for relu.

namespace detail {
/// The value of a std::ratio (the slope and alpha below: a double template argument would not build
/// with every compiler, clang 14 among them).
template <class Ratio>
inline constexpr double ratio_value = double(Ratio::num) / double(Ratio::den);
}  // namespace detail

/// z for z > 0, Slope·z otherwise (PyTorch's LeakyReLU, negative_slope = Slope, a std::ratio; its
/// default 0.01 is tg::leaky_relu<>). Derivative 1 where the output is positive, else Slope (at z = 0
/// too, as PyTorch). Slope ≥ 0, so that the output's sign is the input's and the derivative a function
/// of the output.
template <class SlopeRatio = std::ratio<1, 100>>
struct leaky_relu : detail::output_cached_activation<leaky_relu<SlopeRatio>> {
    static constexpr double Slope = detail::ratio_value<SlopeRatio>;
    static_assert(Slope >= 0, "tg::leaky_relu<Slope>: Slope must be at least 0 (its derivative is read from the "
                              "output's sign)");
    static constexpr std::string_view name = "leaky_relu";
    static constexpr bool rectifier = true;
    template <class V>
    static constexpr V value(V z) noexcept { return detail::select_of(z > V(0), z, V(Slope) * z); }
    template <class V>
    static constexpr V derivative_from_output(V y) noexcept { return detail::select_of(y > V(0), V(1), V(Slope)); }
};

/// z for z > 0, Alpha·(e^z - 1) otherwise (PyTorch's ELU, alpha = Alpha, a std::ratio; tg::elu<> has its
/// default alpha = 1), written with expm1 so that small |z| keeps its digits. Derivative 1 where y > 0, else y + Alpha (= Alpha·e^z):
/// from the output, exact up to the rounding of y, i.e. an absolute error of at most half an ulp of Alpha.
template <class AlphaRatio = std::ratio<1>>
struct elu : detail::output_cached_activation<elu<AlphaRatio>> {
    static constexpr double Alpha = detail::ratio_value<AlphaRatio>;
    static_assert(Alpha > 0, "tg::elu<Alpha>: Alpha must be positive (its derivative is read from the output)");
    static constexpr std::string_view name = "elu";
    static constexpr bool rectifier = true;
    template <class V>
    static constexpr V value(V z) noexcept {
        return detail::select_of(z > V(0), z, V(Alpha) * detail::expm1_of(detail::min_of(z, V(0))));
    }
    template <class V>
    static constexpr V derivative_from_output(V y) noexcept { return detail::select_of(y > V(0), V(1), y + V(Alpha)); }
};

/// ln(1 + e^z), and z itself above 20 (PyTorch's Softplus with beta = 1, threshold = 20). Derivative
/// the logistic sigmoid, σ(z) = 1 - e^-y, written -expm1(-y) so that it keeps its digits where it is
/// tiny; 1 above the threshold, i.e. for outputs above softplus(20) = 20 + 2.1e-9 (an input within
/// 3e-9 above 20 gets 1 - 2e-9, PyTorch 1).
struct softplus : detail::output_cached_activation<softplus> {
    static constexpr std::string_view name = "softplus";
    static constexpr bool rectifier = true;
    static constexpr double threshold = 20;
    template <class V>
    static constexpr V value(V z) noexcept {
        // min(z, threshold) keeps e^z finite in the lanes the select discards
        return detail::select_of(z > V(threshold), z, detail::log1p_of(detail::exp_of(detail::min_of(z, V(threshold)))));
    }
    template <class V>
    static constexpr V derivative_from_output(V y) noexcept {
        return detail::select_of(y > V(threshold + 3e-9), V(1), -detail::expm1_of(-y));
    }
};

/// z·σ(z) = z / (1 + e^-z) (PyTorch's SiLU, also called swish). Derivative σ(z)·(1 + z·(1 - σ(z))),
/// from the cached input.
struct silu : detail::input_cached_activation<silu> {
    static constexpr std::string_view name = "silu";
    static constexpr bool rectifier = true;
    template <class V>
    static constexpr V value(V z) noexcept { return z / (V(1) + detail::exp_of(-z)); }
    template <class V>
    static constexpr V derivative(V z) noexcept {
        const V s = V(1) / (V(1) + detail::exp_of(-z));
        return s * (V(1) + z * (V(1) - s));
    }
};

/// z·Φ(z), Φ the standard normal distribution function (PyTorch's GELU, approximate = 'none'), with
/// Φ(z) = erfc(-z/√2) / 2, which keeps its digits in the left tail where 1 + erf(z/√2) cancels.
/// Derivative Φ(z) + z·φ(z), φ(z) = e^(-z²/2) / √(2π), from the cached input.
struct gelu : detail::input_cached_activation<gelu> {
    static constexpr std::string_view name = "gelu";
    static constexpr bool rectifier = true;
    template <class V>
    static constexpr V value(V z) noexcept { return z * cdf(z); }
    template <class V>
    static constexpr V derivative(V z) noexcept {
        constexpr double inv_sqrt_2pi = 0.5 * std::numbers::sqrt2 * std::numbers::inv_sqrtpi;
        return cdf(z) + z * V(inv_sqrt_2pi) * detail::exp_of(V(-0.5) * z * z);
    }

private:
    template <class V>
    static constexpr V cdf(V z) noexcept { return V(0.5) * detail::erfc_of(V(-0.5 * std::numbers::sqrt2) * z); }
};

/// GELU's tanh approximation, z·(1 + tanh(u))/2 with u = √(2/π)·(z + 0.044715·z³) (PyTorch's GELU,
/// approximate = 'tanh'). It differs from the exact tg::gelu by at most 4.8e-4 (at z ≈ ±2.7), its
/// derivative by at most 8.8e-4 (z ≈ ±2.0): tests/unit/activation_named.cpp. Derivative
/// (1 + t)/2 + z·(1 - t²)·u'/2, t = tanh(u), from the cached input; in float, tanh is the tanh
/// layer's rational approximation.
struct gelu_tanh : detail::input_cached_activation<gelu_tanh> {
    static constexpr std::string_view name = "gelu_tanh";
    static constexpr bool rectifier = true;
    template <class V>
    static constexpr V value(V z) noexcept { return V(0.5) * z * (V(1) + detail::tanh_of(u(z))); }
    template <class V>
    static constexpr V derivative(V z) noexcept {
        const V t = detail::tanh_of(u(z));
        const V du = V(k) * (V(1) + V(3 * c) * z * z);
        return V(0.5) * (V(1) + t) + V(0.5) * z * (V(1) - t * t) * du;
    }

private:
    static constexpr double k = 0.7978845608028654;  // √(2/π)
    static constexpr double c = 0.044715;
    template <class V>
    static constexpr V u(V z) noexcept { return V(k) * (z + V(c) * z * z * z); }
};

}  // namespace typegrad
