// simd::gemv<R, C>(W, x, b, y[, f]): y = f(W·x + b) for a row-major R×C matrix, the per-sample
// forward of a dense layer with its bias and activation fused into one pass over the outputs.
// Rows go in blocks of one SIMD width: each row's dot product accumulates in its own register and
// xsimd::haddp reduces the whole block into one batch of outputs. Narrow matrices (C much less than
// the width) gather their columns instead, so that no lane is wasted on a reduction.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

namespace detail {

/// The accumulator slot whose horizontal sum xsimd::haddp puts in lane r. xsimd 8's AVX-512 float
/// haddp returns the rows in the order 0 1 4 5 2 3 6 7 8 9 12 13 10 11 14 15 (its own swap, so
/// feeding the rows in that order gives lane r = row r); elsewhere the order is the identity.
template <scalar T>
constexpr std::size_t haddp_slot(std::size_t r) noexcept {
    if constexpr (XSIMD_VERSION_MAJOR == 8 && width<T> == 16 && sizeof(T) == 4) {
        constexpr std::size_t order[16] = {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15};
        return order[r];
    } else {
        return r;
    }
}

/// Lane r holds Σ_c W[r·C + c]·x[c] for the first Rows (≤ width) rows of W; other lanes are zero.
template <std::size_t Rows, std::size_t C, scalar T>
inline batch<T> row_dots(const T* W, const T* x) noexcept {
    using B = batch<T>;
    constexpr std::size_t w = width<T>;
    B acc[w];
    for (std::size_t r = 0; r < w; ++r) acc[r] = B(T{});
    std::size_t k = 0;
    for (; k + w <= C; k += w) {
        const B xk = B::load_unaligned(x + k);
        for (std::size_t r = 0; r < Rows; ++r) {
            B& a = acc[haddp_slot<T>(r)];
            a = xsimd::fma(B::load_unaligned(W + r * C + k), xk, a);
        }
    }
    if constexpr (C % w != 0) {
        const B xk = load_head<C % w>(x + k);
        for (std::size_t r = 0; r < Rows; ++r) {
            B& a = acc[haddp_slot<T>(r)];
            a = xsimd::fma(load_head<C % w>(W + r * C + k), xk, a);
        }
    }
    return xsimd::haddp(acc);
}

/// The same for narrow W: lane r gathers row r's C elements, one column at a time. Lanes past
/// Rows gather row Rows-1 again, so no address outside W is formed.
template <std::size_t Rows, std::size_t C, scalar T>
inline batch<T> column_dots(const T* W, const T* x) noexcept {
    using B = batch<T>;
    using I = xsimd::as_integer_t<B>;
    using index_type = typename I::value_type;
    constexpr std::size_t w = width<T>;
    alignas(alignment) index_type offsets[w];
    for (std::size_t r = 0; r < w; ++r) offsets[r] = static_cast<index_type>(std::min(r, Rows - 1) * C);
    const I index = I::load_aligned(offsets);
    B acc(T{});
    for (std::size_t c = 0; c < C; ++c) acc = xsimd::fma(B::gather(W + c, index), B(x[c]), acc);
    return acc;
}

/// y[0..Rows) = f(W·x + b) for Rows ≤ width rows.
template <std::size_t Rows, std::size_t C, scalar T, class F>
inline void gemv_block(const T* W, const T* x, const T* b, T* y, F& f) noexcept {
    using B = batch<T>;
    constexpr std::size_t w = width<T>;
    if constexpr (Rows == w) {
        B z = 4 * C <= w ? column_dots<Rows, C>(W, x) : row_dots<Rows, C>(W, x);
        if (b) z += B::load_unaligned(b);
        B(f(z)).store_unaligned(y);
    } else {
        B z = 4 * C <= w ? column_dots<Rows, C>(W, x) : row_dots<Rows, C>(W, x);
        if (b) z += load_head<Rows>(b);
        store_head<Rows>(y, B(f(z)));
    }
}

}  // namespace detail

/// y = f(W·x + b), W row-major R×C, x of C, b and y of R; b may be null (no bias). f is applied to
/// each output, called with batch<T> at run time and with T in constant expressions.
template <std::size_t R, std::size_t C, scalar T, class F>
constexpr void gemv(const T* W, const T* x, const std::type_identity_t<T>* b, T* y, F f) noexcept {
    if (std::is_constant_evaluated()) {
        for (std::size_t r = 0; r < R; ++r) {
            T s = b ? b[r] : T{};
            for (std::size_t c = 0; c < C; ++c) s += W[r * C + c] * x[c];
            y[r] = f(s);
        }
    } else {
        constexpr std::size_t w = width<T>;
        std::size_t r = 0;
        for (; r + w <= R; r += w) detail::gemv_block<w, C>(W + r * C, x, b ? b + r : b, y + r, f);
        if constexpr (R % w != 0) detail::gemv_block<R % w, C>(W + r * C, x, b ? b + r : b, y + r, f);
    }
}

/// y = W·x + b, W row-major R×C, x of C, b and y of R; b may be null (no bias).
template <std::size_t R, std::size_t C, scalar T>
constexpr void gemv(const T* W, const T* x, const std::type_identity_t<T>* b, T* y) noexcept {
    gemv<R, C>(W, x, b, y, [](auto z) { return z; });
}

}  // namespace typegrad::simd
