// Fixed-size kernels on raw arrays. Sizes are template arguments. In a constant expression every
// kernel runs a plain scalar loop; at run time it runs SIMD code (simd/ is the only place that
// does). No kernel reads or writes past the sizes it is given.
//
// PLACEHOLDER: scalar loops for every kernel, so that the API exists while the SIMD versions are
// written. Each kernel gets its own header under simd/ when it is vectorised.
#pragma once

#include <cstddef>

#include <typegrad/core/scalar.hpp>

namespace typegrad::simd {

/// Σ a[i]·b[i] over N elements.
template <std::size_t N, scalar T>
constexpr T dot(const T* a, const T* b) noexcept {
    T s{};
    for (std::size_t i = 0; i < N; ++i) s += a[i] * b[i];
    return s;
}

/// y += alpha·x over N elements.
template <std::size_t N, scalar T>
constexpr void axpy(T alpha, const T* x, T* y) noexcept {
    for (std::size_t i = 0; i < N; ++i) y[i] += alpha * x[i];
}

/// y = W·x + b, W row-major R×C, x of C, b and y of R. b may be null (no bias).
template <std::size_t R, std::size_t C, scalar T>
constexpr void gemv(const T* W, const T* x, const T* b, T* y) noexcept {
    for (std::size_t r = 0; r < R; ++r) y[r] = (b ? b[r] : T{}) + dot<C>(W + r * C, x);
}

/// y = Wᵀ·x, W row-major R×C, x of R, y of C.
template <std::size_t R, std::size_t C, scalar T>
constexpr void gemv_t(const T* W, const T* x, T* y) noexcept {
    for (std::size_t c = 0; c < C; ++c) y[c] = T{};
    for (std::size_t r = 0; r < R; ++r) axpy<C>(x[r], W + r * C, y);
}

/// G += u·vᵀ, G row-major R×C, u of R, v of C.
template <std::size_t R, std::size_t C, scalar T>
constexpr void outer_acc(const T* u, const T* v, T* G) noexcept {
    for (std::size_t r = 0; r < R; ++r) axpy<C>(u[r], v, G + r * C);
}

/// y[i] = f(x[i]) over N elements; f is called with T (and with batch<T> once vectorised). x may equal y.
template <std::size_t N, scalar T, class F>
constexpr void map(const T* x, T* y, F f) noexcept {
    for (std::size_t i = 0; i < N; ++i) y[i] = f(x[i]);
}

/// y[i] = f(a[i], b[i]) over N elements; f is called with T (and with batch<T> once vectorised).
template <std::size_t N, scalar T, class F>
constexpr void map(const T* a, const T* b, T* y, F f) noexcept {
    for (std::size_t i = 0; i < N; ++i) y[i] = f(a[i], b[i]);
}

/// Σ x[i] over N elements.
template <std::size_t N, scalar T>
constexpr T sum(const T* x) noexcept {
    T s{};
    for (std::size_t i = 0; i < N; ++i) s += x[i];
    return s;
}

/// max x[i] over N elements.
template <std::size_t N, scalar T>
constexpr T max(const T* x) noexcept {
    T m = x[0];
    for (std::size_t i = 1; i < N; ++i) m = x[i] > m ? x[i] : m;
    return m;
}

}  // namespace typegrad::simd
