// Batch kernels for a dense layer on a mini-batch of n samples: n is a run-time argument, the layer
// sizes In and Out are compile-time. W is Out×In row-major, X is n×In and Z, dZ are n×Out, all
// row-major and contiguous (no alignment assumed):
//   gemm_forward      Z = f(X·Wᵀ + b)     (bias and elementwise epilogue fused)
//   gemm_weight_grad  G += dZᵀ·X
//   gemm_input_grad   dX = dZ·W
//   bias_grad         db += Σ rows of dZ
// The two gradients run a register-blocked micro-kernel (a 12-row by 2-batch tile of C in
// registers, twelve broadcasts of A and two loads of B per step of k). The forward keeps 4 samples
// by 4 outputs of dot products in registers (AVX-512) or runs gemv row blocks over all samples.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/gemv.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

namespace detail {

/// C[m, 0..Cols) (+)= Σ_k A(m, k)·Bk[0..Cols) for m < MR, where A(m, k) = a[m·AM + k·AK] and
/// Bk = b + k·LdB; C rows are LdC apart. Cols ≤ 2·width; the tail batch is masked.
template <std::size_t MR, std::size_t Cols, std::size_t AM, std::size_t AK, std::size_t LdB, std::size_t LdC,
          bool Accumulate, scalar T>
inline void gemm_tile(std::size_t K, const T* a, const T* b, T* c) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>, full = Cols / w, parts = full + (Cols % w != 0);
    const auto load = [](const T* p, std::size_t j) {
        if constexpr (Cols % w != 0)
            if (j == full) return load_head<Cols % w>(p + j * w);
        return V::load_unaligned(p + j * w);
    };
    V acc[MR][parts];
    for (std::size_t m = 0; m < MR; ++m)
        for (std::size_t j = 0; j < parts; ++j) acc[m][j] = Accumulate ? load(c + m * LdC, j) : V(T{});
    for (std::size_t k = 0; k < K; ++k) {
        V bk[parts];
        for (std::size_t j = 0; j < parts; ++j) bk[j] = load(b + k * LdB, j);
        for (std::size_t m = 0; m < MR; ++m) {
            const V am(a[m * AM + k * AK]);
            for (std::size_t j = 0; j < parts; ++j) acc[m][j] = xsimd::fma(am, bk[j], acc[m][j]);
        }
    }
    for (std::size_t m = 0; m < MR; ++m)
        for (std::size_t j = 0; j < parts; ++j) {
            if constexpr (Cols % w != 0)
                if (j == full) {
                    store_head<Cols % w>(c + m * LdC + j * w, acc[m][j]);
                    continue;
                }
            acc[m][j].store_unaligned(c + m * LdC + j * w);
        }
}

/// C (M×N, rows LdC apart) (+)= A·Bmat over K, tiled by gemm_tile: 12 rows by 2 batches of columns
/// (24 accumulators; 14 loads feed 24 FMAs per step of k). M and K are run-time; the last M % 12
/// rows go to the tile of that height.
template <std::size_t N, std::size_t AM, std::size_t AK, std::size_t LdB, std::size_t LdC, bool Accumulate, scalar T>
inline void gemm_nn(std::size_t M, std::size_t K, const T* a, const T* b, T* c) noexcept {
    constexpr std::size_t mr = 12, nc = 2 * width<T>;
    const auto rows = [&]<std::size_t Cols>(std::integral_constant<std::size_t, Cols>, std::size_t n) {
        std::size_t m = 0;
        for (; m + mr <= M; m += mr)
            gemm_tile<mr, Cols, AM, AK, LdB, LdC, Accumulate>(K, a + m * AM, b + n, c + m * LdC + n);
        [&]<std::size_t... R>(std::index_sequence<R...>) {
            ((M - m == R + 1 ? gemm_tile<R + 1, Cols, AM, AK, LdB, LdC, Accumulate>(K, a + m * AM, b + n, c + m * LdC + n)
                             : void()),
             ...);
        }(std::make_index_sequence<mr - 1>{});
    };
    std::size_t n = 0;
    for (; n + nc <= N; n += nc) rows(std::integral_constant<std::size_t, nc>{}, n);
    if constexpr (N % nc != 0) rows(std::integral_constant<std::size_t, N % nc>{}, n);
}

/// Z[s, o] = f(X[s]·W[o] + b[o]) for a tile of 4 samples by 4 outputs: 16 dot products over In
/// held in registers (8 loads feed 16 FMAs), reduced together by one haddp. Needs width 16.
template <std::size_t In, std::size_t Out, scalar T, class F>
inline void forward_tile(const T* X, const T* W, const T* b, T* Z, F& f) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>, t = 4;
    V acc[t][t];
    for (std::size_t s = 0; s < t; ++s)
        for (std::size_t o = 0; o < t; ++o) acc[s][o] = V(T{});
    const auto step = [&](auto load) {
        V xs[t], wo[t];
        for (std::size_t s = 0; s < t; ++s) xs[s] = load(X + s * In);
        for (std::size_t o = 0; o < t; ++o) wo[o] = load(W + o * In);
        for (std::size_t s = 0; s < t; ++s)
            for (std::size_t o = 0; o < t; ++o) acc[s][o] = xsimd::fma(xs[s], wo[o], acc[s][o]);
    };
    std::size_t k = 0;
    for (; k + w <= In; k += w) step([k](const T* p) { return V::load_unaligned(p + k); });
    if constexpr (In % w != 0) step([k](const T* p) { return load_head<In % w>(p + k); });
    V slots[w];
    for (std::size_t s = 0; s < t; ++s)
        for (std::size_t o = 0; o < t; ++o) slots[haddp_slot<T>(s * t + o)] = acc[s][o];
    alignas(alignment) T bias[w];
    for (std::size_t l = 0; l < w; ++l) bias[l] = b ? b[l % t] : T{};
    alignas(alignment) T out[w];
    V(f(xsimd::haddp(slots) + V::load_aligned(bias))).store_aligned(out);
    for (std::size_t s = 0; s < t; ++s)
        for (std::size_t o = 0; o < t; ++o) Z[s * Out + o] = out[s * t + o];
}

}  // namespace detail

/// Z = f(X·Wᵀ + b): X is n×In, W is Out×In, b of Out (may be null), Z is n×Out; f is applied to
/// each output (called with batch<T>, and with T for narrow W).
template <std::size_t In, std::size_t Out, scalar T, class F>
void gemm_forward(std::size_t n, const T* X, const T* W, const std::type_identity_t<T>* b, T* Z, F f) noexcept {
    constexpr std::size_t w = width<T>;
    if constexpr (4 * In <= w) {
        for (std::size_t s = 0; s < n; ++s) gemv<Out, In>(W, X + s * In, b, Z + s * Out, f);
    } else {
        std::size_t s0 = 0;
        if constexpr (w == 16 && Out % 4 == 0) {
            s0 = n - n % 4;
            for (std::size_t o = 0; o < Out; o += 4)
                for (std::size_t s = 0; s < s0; s += 4)
                    detail::forward_tile<In, Out>(X + s * In, W + o * In, b ? b + o : b, Z + s * Out + o, f);
        }
        std::size_t o = 0;
        for (; o + w <= Out; o += w)
            for (std::size_t s = s0; s < n; ++s)
                detail::gemv_block<w, In>(W + o * In, X + s * In, b ? b + o : b, Z + s * Out + o, f);
        if constexpr (Out % w != 0)
            for (std::size_t s = s0; s < n; ++s)
                detail::gemv_block<Out % w, In>(W + o * In, X + s * In, b ? b + o : b, Z + s * Out + o, f);
    }
}

/// Z = X·Wᵀ + b, shapes as above.
template <std::size_t In, std::size_t Out, scalar T>
void gemm_forward(std::size_t n, const T* X, const T* W, const std::type_identity_t<T>* b, T* Z) noexcept {
    gemm_forward<In, Out>(n, X, W, b, Z, [](auto z) { return z; });
}

/// G += dZᵀ·X: dZ is n×Out, X is n×In, G is Out×In (the weight gradient summed over the batch).
template <std::size_t In, std::size_t Out, scalar T>
void gemm_weight_grad(std::size_t n, const T* dZ, const T* X, T* G) noexcept {
    detail::gemm_nn<In, 1, Out, In, In, true>(Out, n, dZ, X, G);
}

/// dX = dZ·W: dZ is n×Out, W is Out×In, dX is n×In (the input gradient of every sample).
template <std::size_t In, std::size_t Out, scalar T>
void gemm_input_grad(std::size_t n, const T* dZ, const T* W, T* dX) noexcept {
    detail::gemm_nn<In, Out, 1, In, In, false>(n, Out, dZ, W, dX);
}

/// db += Σ_s dZ[s]: dZ is n×Out, db of Out (the bias gradient summed over the batch).
template <std::size_t Out, scalar T>
void bias_grad(std::size_t n, const T* dZ, T* db) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>;
    std::size_t o = 0;
    for (; o + w <= Out; o += w) {
        V acc = V::load_unaligned(db + o);
        for (std::size_t s = 0; s < n; ++s) acc += V::load_unaligned(dZ + s * Out + o);
        acc.store_unaligned(db + o);
    }
    if constexpr (Out % w != 0) {
        V acc = load_head<Out % w>(db + o);
        for (std::size_t s = 0; s < n; ++s) acc += load_head<Out % w>(dZ + s * Out + o);
        store_head<Out % w>(db + o, acc);
    }
}

}  // namespace typegrad::simd
