// Batch kernels for a dense layer on a mini-batch of B samples, sizes all compile-time. W is Out×In
// row-major, X is B×In and Z, dZ are B×Out, all row-major:
//   gemm_forward      Z = f(X·Wᵀ + b)     (bias and elementwise epilogue fused)
//   gemm_weight_grad  G += dZᵀ·X
//   gemm_input_grad   dX = dZ·W
// The two gradients run a register-blocked micro-kernel (a 12-row by 2-batch tile of C in
// registers, twelve broadcasts of A and two loads of B per step of k). The forward keeps 4 samples
// by 4 outputs of dot products in registers (AVX-512) or runs gemv row blocks over all samples.
#pragma once

#include <cstddef>
#include <type_traits>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/gemv.hpp>
#include <typegrad/simd/partial.hpp>

namespace typegrad::simd {

namespace detail {

/// C[m, 0..Cols) (+)= Σ_k A(m, k)·Bk[0..Cols) for m < MR, where A(m, k) = a[m·AM + k·AK] and
/// Bk = b + k·LdB; C rows are LdC apart. Cols ≤ 2·width; the tail batch is masked.
template <std::size_t MR, std::size_t Cols, std::size_t K, std::size_t AM, std::size_t AK, std::size_t LdB,
          std::size_t LdC, bool Accumulate, scalar T>
inline void gemm_tile(const T* a, const T* b, T* c) noexcept {
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
/// (24 accumulators; 14 loads feed 24 FMAs per step of k).
template <std::size_t M, std::size_t N, std::size_t K, std::size_t AM, std::size_t AK, std::size_t LdB,
          std::size_t LdC, bool Accumulate, scalar T>
inline void gemm_nn(const T* a, const T* b, T* c) noexcept {
    constexpr std::size_t mr = 12, nc = 2 * width<T>;
    const auto rows = [&](auto cols, std::size_t n) {
        std::size_t m = 0;
        for (; m + mr <= M; m += mr)
            gemm_tile<mr, decltype(cols)::value, K, AM, AK, LdB, LdC, Accumulate>(a + m * AM, b + n, c + m * LdC + n);
        if constexpr (M % mr != 0)
            gemm_tile<M % mr, decltype(cols)::value, K, AM, AK, LdB, LdC, Accumulate>(a + m * AM, b + n, c + m * LdC + n);
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

/// Z = f(X·Wᵀ + b): X is Batch×In, W is Out×In, b of Out (may be null), Z is Batch×Out; f is
/// applied to each output (called with batch<T>, and with T for narrow W).
template <std::size_t Batch, std::size_t In, std::size_t Out, scalar T, class F>
void gemm_forward(const T* X, const T* W, const std::type_identity_t<T>* b, T* Z, F f) noexcept {
    constexpr std::size_t w = width<T>;
    if constexpr (4 * In <= w) {
        for (std::size_t s = 0; s < Batch; ++s) gemv<Out, In>(W, X + s * In, b, Z + s * Out, f);
    } else if constexpr (w == 16 && Batch % 4 == 0 && Out % 4 == 0) {
        for (std::size_t o = 0; o < Out; o += 4)
            for (std::size_t s = 0; s < Batch; s += 4)
                detail::forward_tile<In, Out>(X + s * In, W + o * In, b ? b + o : b, Z + s * Out + o, f);
    } else {
        std::size_t o = 0;
        for (; o + w <= Out; o += w)
            for (std::size_t s = 0; s < Batch; ++s)
                detail::gemv_block<w, In>(W + o * In, X + s * In, b ? b + o : b, Z + s * Out + o, f);
        if constexpr (Out % w != 0)
            for (std::size_t s = 0; s < Batch; ++s)
                detail::gemv_block<Out % w, In>(W + o * In, X + s * In, b ? b + o : b, Z + s * Out + o, f);
    }
}

/// Z = X·Wᵀ + b, shapes as above.
template <std::size_t Batch, std::size_t In, std::size_t Out, scalar T>
void gemm_forward(const T* X, const T* W, const std::type_identity_t<T>* b, T* Z) noexcept {
    gemm_forward<Batch, In, Out>(X, W, b, Z, [](auto z) { return z; });
}

/// G += dZᵀ·X: dZ is Batch×Out, X is Batch×In, G is Out×In (the weight gradient summed over the batch).
template <std::size_t Batch, std::size_t In, std::size_t Out, scalar T>
void gemm_weight_grad(const T* dZ, const T* X, T* G) noexcept {
    detail::gemm_nn<Out, In, Batch, 1, Out, In, In, true>(dZ, X, G);
}

/// dX = dZ·W: dZ is Batch×Out, W is Out×In, dX is Batch×In (the input gradient of every sample).
template <std::size_t Batch, std::size_t In, std::size_t Out, scalar T>
void gemm_input_grad(const T* dZ, const T* W, T* dX) noexcept {
    detail::gemm_nn<Batch, In, Out, Out, 1, In, In, false>(dZ, W, dX);
}

}  // namespace typegrad::simd
