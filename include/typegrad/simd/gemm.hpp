// Batch kernels for a dense layer on a mini-batch of n samples: n is a run-time argument, the layer
// sizes In and Out are compile-time. W, and the weight gradient G, are stored as the layer keeps them,
// a tg::panel_mat<T, Out, In>: panels of up to 64 neurons, each its Wᵀ (In×width, row-major). X is
// n×In and Z, dZ are n×Out, all row-major and contiguous (no alignment assumed). Each takes a range
// of neurons r (all by default), as tg::fit's threads split a layer:
//   gemm_forward      Z = f(X·Wᵀ + b)     (columns r)
//   gemm_weight_grad  G += dZᵀ·X           (or G = dZᵀ·X; rows r, or with _inputs columns k)
//   gemm_input_grad   dX = dZ·W            (the part of it from neurons r)
//   bias_grad         db += Σ rows of dZ     (or db = Σ rows of dZ; entries r)
// All three run a register-blocked micro-kernel: a tile of up to 12 rows by 2 batches of columns held
// in registers (AVX-512), per step of k 12 broadcasts and 2 loads feeding 24 FMAs. The forward and the
// weight gradient are plain products with a panel (gemm_nn), reading their operands where they lie,
// but for a block of dZ whose rows are 1 KiB apart, which is copied first. The input gradient copies
// each block of 2 batches of samples of dZ into columns (transposed squares), multiplies with W's
// stored rows broadcast, and transposes the tile back on the way out; for a narrow layer of one
// panel, it multiplies dZ by a row-major copy of W instead.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/core/panel_mat.hpp>
#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/unroll.hpp>
#include <typegrad/simd/gemv.hpp>
#include <typegrad/simd/gemv_t.hpp>
#include <typegrad/simd/map.hpp>
#include <typegrad/simd/panels.hpp>
#include <typegrad/simd/partial.hpp>
#include <typegrad/simd/transpose.hpp>

// The register tiles' loops are unrolled by pragma, so that -O2 keeps the accumulators in registers as
// -O3 does. Not under AddressSanitizer, where unrolled and instrumented tiles made the kernel tests
// compile several times slower (the sanitized tests do not need the speed).
#if defined(__SANITIZE_ADDRESS__)
#define TYPEGRAD_UNROLL(n)
#else
#define TYPEGRAD_PRAGMA(x) _Pragma(#x)
#define TYPEGRAD_UNROLL(n) TYPEGRAD_PRAGMA(GCC unroll n)
#endif

namespace typegrad::simd {

/// Indices [lo, hi): the outputs (neurons) of a dense layer, i.e. rows of W and columns of Z and dZ,
/// or the samples, that one thread computes when tg::fit splits a batch step between threads.
struct index_range {
    std::size_t lo, hi;
};

/// The identity, as gemm_forward's f: no pass over the outputs.
struct identity {
    template <class V>
    constexpr V operator()(V v) const noexcept {
        return v;
    }
};

namespace detail {

/// Rows of a register tile: 12 with AVX-512's 32 registers (24 accumulators of two batches each), 6
/// with 16 registers.
template <scalar T>
inline constexpr std::size_t tile_rows = width<T> * sizeof(T) == 64 ? 12 : 6;

/// C[m, 0..Cols) (+)= Σ_k A(m, k)·Bk[0..Cols) for m < MR, where A(m, k) = a[m·AM + k·AK] and
/// Bk = b + k·LdB; C rows are LdC apart. Cols ≤ 2·width; the tail batch is masked. The sums start
/// from zero and C is added at the end, so the FMAs need not wait for C to arrive from memory.
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
    // Every loop over the tile unrolled, -O2 included: a loop would index the accumulators, spilling them.
TYPEGRAD_UNROLL(32)
    for (std::size_t m = 0; m < MR; ++m)
TYPEGRAD_UNROLL(4)
        for (std::size_t j = 0; j < parts; ++j) acc[m][j] = V(T{});
    for (std::size_t k = 0; k < K; ++k) {
        V bk[parts];
TYPEGRAD_UNROLL(4)
        for (std::size_t j = 0; j < parts; ++j) bk[j] = load(b + k * LdB, j);
TYPEGRAD_UNROLL(32)
        for (std::size_t m = 0; m < MR; ++m) {
            const V am(a[m * AM + k * AK]);
TYPEGRAD_UNROLL(4)
            for (std::size_t j = 0; j < parts; ++j) acc[m][j] = xsimd::fma(am, bk[j], acc[m][j]);
        }
    }
TYPEGRAD_UNROLL(32)
    for (std::size_t m = 0; m < MR; ++m)
TYPEGRAD_UNROLL(4)
        for (std::size_t j = 0; j < parts; ++j) {
            const V cm = Accumulate ? acc[m][j] + load(c + m * LdC, j) : acc[m][j];
            if constexpr (Cols % w != 0)
                if (j == full) {
                    store_head<Cols % w>(c + m * LdC + j * w, cm);
                    continue;
                }
            cm.store_unaligned(c + m * LdC + j * w);
        }
}

/// The tallest tile a run-time cut of `rows` rows (at most MR) starts with: all of them from MR - 2
/// rows up, which the even cuts of many rows reach (64 by 12: 11 and 10; by 6: 6 and 5), else 8, 6, 4,
/// 2 or 1 rows (a tile of 9 rows runs as 8 and 1). Each height is one more tile per layer and product
/// to compile: with these 8 of AVX-512's 12, and no tiles instantiated that cannot run (for_each_panel,
/// gemm_nn_columns), the Fashion-MNIST example compiles 83 tiles instead of 177, in 10% less time.
constexpr std::size_t tile_height(std::size_t rows, std::size_t MR) noexcept {
    if (rows + 2 >= MR) return rows;
    for (const std::size_t h : {8, 6, 4, 2})
        if (rows >= h) return h;
    return 1;
}

/// Cuts M rows into ⌈M / MR⌉ tiles as even as possible (64 rows by 12: 11, 11, 11, 11, 10, 10) and
/// calls tile.template operator()<Rows>(first row) for each, in tiles of tile_height: a tile of fewer
/// rows than its neighbours would waste most of its FMA slots on loads.
template <std::size_t MR, class Tile>
inline void even_row_tiles(std::size_t M, Tile&& tile) {
    const auto run = [&]<std::size_t H>(std::size_t m) TYPEGRAD_ALWAYS_INLINE {
        if constexpr (tile_height(H, MR) == H) tile.template operator()<H>(m);
    };
    const std::size_t tiles = (M + MR - 1) / MR;
    for (std::size_t t = 0; t < tiles; ++t) {
        std::size_t m = M * t / tiles, rows = M * (t + 1) / tiles - m;
        while (rows > 0) {
            const std::size_t h = tile_height(rows, MR);
            [&]<std::size_t... R>(std::index_sequence<R...>) TYPEGRAD_ALWAYS_INLINE {
                ((h == R + 1 ? run.template operator()<R + 1>(m) : void()), ...);
            }(std::make_index_sequence<MR>{});
            m += h;
            rows -= h;
        }
    }
}

/// The same for a compile-time M: only the two tile heights that occur are instantiated.
template <std::size_t M, std::size_t MR, class Tile>
inline void even_row_tiles(Tile&& tile) {
    constexpr std::size_t tiles = (M + MR - 1) / MR, rows = M / tiles, taller = M % tiles;
    for (std::size_t t = 0; t < taller; ++t) tile.template operator()<rows + 1>(t * (rows + 1));
    for (std::size_t t = taller; t < tiles; ++t) tile.template operator()<rows>(taller + t * rows);
}

/// Whether a layer's W is one panel narrower than a register tile's two batches of columns (the
/// 10 outputs of a classifier) and small (32 KiB): its input gradient then runs faster as dZ·W with W
/// row-major (tiles of whole batches along In), through a transposed copy of the panel, than as the
/// transposed product over so few neurons (64×128×10 with AVX-512: 1.5 µs against 3.4). The weight
/// gradient computed so and transposed into the panel took as long as on the panel (2.0 µs).
template <std::size_t In, std::size_t Out, scalar T>
inline constexpr bool narrow_panel = Out < 2 * width<T> && In * Out * sizeof(T) <= (std::size_t{32} << 10);

/// Whether B, N columns of rows LdB apart, is a block of a wider matrix whose rows are a multiple of
/// 1 KiB apart (a panel of the weight gradient's ∂L/∂Z, rows of 256 floats): its rows then fall in a
/// few of L1's 64 sets and evict each other before the next row tile reads them again.
template <std::size_t N, std::size_t LdB, scalar T>
inline constexpr bool rows_alias_in_l1 = LdB != N && LdB * sizeof(T) % 1024 == 0;

/// Copies columns cols of B's rows (N columns, rows LdB apart) to a contiguous block on the stack, up
/// to 32 KiB of rows at a time, and calls f(k0, kn, block) for rows [k0, k0 + kn), the block's rows N
/// apart (its columns outside cols left unset): all of a gemm's row tiles then read B from L1.
template <std::size_t N, std::size_t LdB, scalar T, class F>
inline void for_b_chunks(std::size_t K, const T* b, index_range cols, F&& f) {
    constexpr std::size_t kc = std::max<std::size_t>(1, (std::size_t{32} << 10) / (N * sizeof(T)));
    alignas(alignment) T block[kc * N];
    std::size_t k0 = 0;
    do {  // at least once: a product over no k still assigns C
        const std::size_t kn = std::min(kc, K - k0);
        for (std::size_t k = 0; k < kn; ++k)
            std::copy(b + (k0 + k) * LdB + cols.lo, b + (k0 + k) * LdB + cols.hi, block + k * N + cols.lo);
        f(k0, kn, static_cast<const T*>(block));
        k0 += kn;
    } while (k0 < K);
}

/// C (M×N, rows LdC apart) (+)= A·Bmat over K, tiled by gemm_tile: up to 12 rows by 2 batches of
/// columns (24 accumulators; 14 loads feed 24 FMAs per step of k). K is run-time, M run-time or
/// (RowsKnown) M. Each row tile runs along its rows of C, which the hardware prefetches as streams.
template <std::size_t N, std::size_t AM, std::size_t AK, std::size_t LdB, std::size_t LdC, bool Accumulate,
          std::size_t RowsKnown = 0, scalar T>
inline void gemm_nn(std::size_t M, std::size_t K, const T* a, const T* b, T* c) noexcept {
    if constexpr (rows_alias_in_l1<N, LdB, T>) {
        for_b_chunks<N, LdB>(K, b, {0, N}, [&](std::size_t k0, std::size_t kn, const T* bk) {
            if (k0 == 0) gemm_nn<N, AM, AK, N, LdC, Accumulate, RowsKnown>(M, kn, a, bk, c);
            else gemm_nn<N, AM, AK, N, LdC, true, RowsKnown>(M, kn, a + k0 * AK, bk, c);
        });
        return;
    }
    constexpr std::size_t nc = 2 * width<T>;
    // The MR rows at cm, over k < kn, A(i, k) = ap[i·PM + k·PK], B from bp.
    const auto run = [&]<std::size_t MR, std::size_t PM, std::size_t PK, bool Acc>(std::size_t kn, const T* ap,
                                                                               const T* bp, T* cm) {
        std::size_t n = 0;
        for (; n + nc <= N; n += nc) gemm_tile<MR, nc, PM, PK, LdB, LdC, Acc>(kn, ap, bp + n, cm + n);
        if constexpr (N % nc != 0) gemm_tile<MR, N % nc, PM, PK, LdB, LdC, Acc>(kn, ap, bp + n, cm + n);
    };
    const auto tile = [&]<std::size_t MR>(std::size_t m) {
        if constexpr (AM == 1 && AK * sizeof(T) % 1024 == 0) {
            // A read across rows a multiple of 1 KiB apart (the weight gradient's Xᵀ for 256 float
            // inputs): those rows fall in at most 4 of L1's 64 sets and evict each other, so the row
            // tile's A is first copied to a contiguous block, k by k, which all its tiles then read.
            // (Measured when A was dZᵀ of 784 → 256 at batch 64: 11% faster with AVX2, 7% with
            // AVX-512.) Rows 512 bytes apart use 8 sets, which hold them: there the copy cost 2-3%.
            constexpr std::size_t kc = 256;
            alignas(64) T ap[kc * MR];
            std::size_t k0 = 0;
            do {
                const std::size_t kn = std::min(kc, K - k0);
                for (std::size_t k = 0; k < kn; ++k)
                    std::copy_n(a + m + (k0 + k) * AK, MR, ap + k * MR);
                if (k0 == 0) run.template operator()<MR, 1, MR, Accumulate>(kn, ap, b, c + m * LdC);
                else run.template operator()<MR, 1, MR, true>(kn, ap, b + k0 * LdB, c + m * LdC);
                k0 += kn;
            } while (k0 < K);
        } else {
            run.template operator()<MR, AM, AK, Accumulate>(K, a + m * AM, b, c + m * LdC);
        }
    };
    if constexpr (RowsKnown != 0) even_row_tiles<RowsKnown, tile_rows<T>>(tile);
    else even_row_tiles<tile_rows<T>>(M, tile);
}

/// xt[k·NB + s] = X[s·In + k0 + k] for k < K and s < ns ≤ NB: a block of rows of X as columns, padded
/// with zeros to whole batches of samples, one transposed square of width × width at a time.
template <std::size_t In, std::size_t NB, scalar T>
inline void pack_columns(std::size_t ns, std::size_t k0, std::size_t K, const T* X, T* xt) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>;
    for (std::size_t s0 = 0; s0 < ns; s0 += w) {
        const std::size_t rows = std::min(w, ns - s0);
        // Written out (simd::unroll), so that -O2 too keeps the square in registers.
        const auto square = [&](std::size_t k, std::size_t cols, auto load) TYPEGRAD_ALWAYS_INLINE {
            V r[w];
            unroll<w>([&](auto i) TYPEGRAD_ALWAYS_INLINE { r[i] = i < rows ? load(X + (s0 + i) * In + k0 + k) : V(T{}); });
            transpose(r);
            unroll<w>([&](auto c) TYPEGRAD_ALWAYS_INLINE {
                if (c < cols) r[c].store_aligned(xt + (k + c) * NB + s0);
            });
        };
        std::size_t k = 0;
        for (; k + w <= K; k += w) square(k, w, [](const T* x) { return V::load_unaligned(x); });
        if (k == K) continue;
        if constexpr (In % w != 0)  // chunks are whole batches long, so the last one ends in this tail
            if (k0 + K == In && K - k == In % w) {
                square(k, In % w, [](const T* x) { return load_head<In % w>(x); });
                continue;
            }
        for (; k < K; ++k)  // a range of columns that ends elsewhere (a thread's part of them)
            for (std::size_t i = 0; i < w; ++i) xt[k * NB + s0 + i] = i < rows ? X[(s0 + i) * In + k0 + k] : T{};
    }
}

/// MR inputs (columns of dX) by J batches of samples of the input gradient dX = dZ·W, as an outer
/// product over the neurons k: per k, J loads of dZ's packed columns and MR broadcasts of W(k, i)
/// feed MR·J FMAs. W(k, i) for the tile's inputs are contiguous: stored row i of k's panel, as wide as
/// the panel. The tile holds dXᵀ and leaves through transposed squares. Chunks of neurons after the
/// first add to the partial sums that the previous chunk left in dX.
template <std::size_t MR, std::size_t J, std::size_t In, std::size_t Out, std::size_t NB, scalar T>
inline void input_grad_tile(std::size_t ns, std::size_t k0, std::size_t K, bool first, const T* W, std::size_t i0,
                            const T* zt, T* dX) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>;
    V acc[MR][J];
TYPEGRAD_UNROLL(32)
    for (std::size_t m = 0; m < MR; ++m)
TYPEGRAD_UNROLL(4)
        for (std::size_t j = 0; j < J; ++j) acc[m][j] = V(T{});
    // Neurons [kb, ke) of one panel, W(k, i0 + m) at wk[m·Ld + k - kb].
    const auto steps = [&]<std::size_t Ld>(const T* wk, std::size_t kb, std::size_t ke) TYPEGRAD_ALWAYS_INLINE {
        for (std::size_t k = kb; k < ke; ++k) {
            V bk[J];
TYPEGRAD_UNROLL(4)
            for (std::size_t j = 0; j < J; ++j) bk[j] = V::load_aligned(zt + (k - k0) * NB + j * w);
TYPEGRAD_UNROLL(32)
            for (std::size_t m = 0; m < MR; ++m) {
                const V a(wk[m * Ld + k - kb]);
TYPEGRAD_UNROLL(4)
                for (std::size_t j = 0; j < J; ++j) acc[m][j] = xsimd::fma(a, bk[j], acc[m][j]);
            }
        }
    };
    typegrad::detail::for_each_panel<Out>(k0, k0 + K, [&](auto pw, std::size_t r0, std::size_t lo, std::size_t hi)
                                              TYPEGRAD_ALWAYS_INLINE {
        steps.template operator()<pw>(W + r0 * In + i0 * pw + lo, r0 + lo, r0 + hi);
    });
    // Rows M0 .. M0 + Rows of the tile against one transposed square per batch of samples. The
    // accumulators are indexed by constants only (simd::unroll): a run-time index into acc makes the
    // compiler keep it in memory, and then it stores every accumulator at every step of k (784 → 256
    // with AVX-512 at -O2 ran at a third of the peak).
    const auto leave = [&]<std::size_t M0, std::size_t Rows>() TYPEGRAD_ALWAYS_INLINE {
        unroll<J>([&](auto j) TYPEGRAD_ALWAYS_INLINE {
            if (j * w >= ns) return;
            const std::size_t samples = std::min(w, ns - j * w);
            T* x = dX + j * w * In + M0;
            V r[w];
            if (!first) {
                for (std::size_t l = 0; l < w; ++l) {
                    if (l >= samples)
                        r[l] = V(T{});
                    else if constexpr (Rows == w)
                        r[l] = V::load_unaligned(x + l * In);
                    else
                        r[l] = load_head<Rows>(x + l * In);
                }
                transpose(r);
            }
            unroll<w>([&](auto m) TYPEGRAD_ALWAYS_INLINE {
                if constexpr (m >= Rows) r[m] = V(T{});
                else r[m] = first ? acc[M0 + m][j] : acc[M0 + m][j] + r[m];
            });
            transpose(r);
            for (std::size_t l = 0; l < samples; ++l) {
                if constexpr (Rows == w)
                    r[l].store_unaligned(x + l * In);
                else
                    store_head<Rows>(x + l * In, r[l]);
            }
        });
    };
    [&]<std::size_t... C>(std::index_sequence<C...>) TYPEGRAD_ALWAYS_INLINE {
        (leave.template operator()<C * w, std::min(w, MR - C * w)>(), ...);
    }(std::make_index_sequence<(MR + w - 1) / w>{});
}

/// dX = dZ[:, ks]·W[ks, :] in input_grad_tiles: samples in blocks of two batches, whose columns of dZ
/// are copied into a stack buffer of at most 128 KiB (neurons in chunks that fit).
template <std::size_t In, std::size_t Out, scalar T>
void gemm_input_grad_tiles(std::size_t n, const T* dZ, const T* W, T* dX, index_range ks) noexcept {
    constexpr std::size_t w = width<T>, nb = 2 * w, kc = std::min(Out, (std::size_t{128} << 10) / (nb * sizeof(T)));
    alignas(alignment) T zt[kc * nb];
    for (std::size_t s0 = 0; s0 < n; s0 += nb) {
        const std::size_t ns = std::min(nb, n - s0);
        for (std::size_t k0 = ks.lo; k0 < ks.hi; k0 += kc) {
            const std::size_t K = std::min(kc, ks.hi - k0);
            pack_columns<Out, nb>(ns, k0, K, dZ + s0 * Out, zt);
            const auto tiles = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                even_row_tiles<In, tile_rows<T>>([&]<std::size_t Rows>(std::size_t i) {
                    input_grad_tile<Rows, J, In, Out, nb>(ns, k0, K, k0 == ks.lo, W, i, zt, dX + s0 * In + i);
                });
            };
            if (ns > w)
                tiles(std::integral_constant<std::size_t, 2>{});
            else
                tiles(std::integral_constant<std::size_t, 1>{});
        }
    }
}

/// gemm_nn over columns cols of B and C only, for any cols (a thread's share of a layer's neurons):
/// panels of two batches, then one batch, then single columns. M is RowsKnown when that is not 0.
template <std::size_t N, std::size_t AM, std::size_t AK, std::size_t LdB, std::size_t LdC, bool Accumulate,
          std::size_t RowsKnown = 0, scalar T>
void gemm_nn_columns(std::size_t M, std::size_t K, const T* a, const T* b, T* c, index_range cols) noexcept {
    if constexpr (rows_alias_in_l1<N, LdB, T>) {
        for_b_chunks<N, LdB>(K, b, cols, [&](std::size_t k0, std::size_t kn, const T* bk) {
            if (k0 == 0) gemm_nn_columns<N, AM, AK, N, LdC, Accumulate, RowsKnown>(M, kn, a, bk, c, cols);
            else gemm_nn_columns<N, AM, AK, N, LdC, true, RowsKnown>(M, kn, a + k0 * AK, bk, c, cols);
        });
        return;
    }
    constexpr std::size_t w = width<T>, nc = 2 * w;
    const auto tile = [&]<std::size_t MR>(std::size_t m) {
        const T* am = a + m * AM;
        T* cm = c + m * LdC;
        std::size_t n = cols.lo;
        if constexpr (N >= nc)  // (tiles that cannot occur are not instantiated: compile time)
            for (; n + nc <= cols.hi; n += nc) gemm_tile<MR, nc, AM, AK, LdB, LdC, Accumulate>(K, am, b + n, cm + n);
        if constexpr (N >= w)
            if (n + w <= cols.hi) {
                gemm_tile<MR, w, AM, AK, LdB, LdC, Accumulate>(K, am, b + n, cm + n);
                n += w;
            }
        if constexpr (N % w != 0)  // the matrix's own last columns: one masked tile
            if (cols.hi == N && N - n == N % w) {
                gemm_tile<MR, N % w, AM, AK, LdB, LdC, Accumulate>(K, am, b + n, cm + n);
                return;
            }
        for (; n < cols.hi; ++n) gemm_tile<MR, 1, AM, AK, LdB, LdC, Accumulate>(K, am, b + n, cm + n);
    };
    if constexpr (RowsKnown != 0) even_row_tiles<RowsKnown, tile_rows<T>>(tile);
    else even_row_tiles<tile_rows<T>>(M, tile);
}

}  // namespace detail

/// Z = f(X·Wᵀ + b) for neurons r (all by default), i.e. columns r of Z: X is n×In, W the layer's
/// weights in panels, b of Out (may be null), Z is n×Out; f is applied to each output (called with
/// batch<T>, and with T for narrow W). Each row's columns start as b, then gain X·Wᵀ, a gemm of X and
/// each panel, whose register tiles add to them; f is a pass over them at the end.
template <std::size_t In, std::size_t Out, scalar T, class F>
void gemm_forward(std::size_t n, const T* X, const T* W, const std::type_identity_t<T>* b, T* Z, F f,
                  index_range r = {0, Out}) noexcept {
    const std::size_t count = r.hi - r.lo;
    if constexpr (4 * In <= width<T>) {  // narrow: one sample at a time
        for (std::size_t s = 0; s < n; ++s) {
            if (count == Out) {
                gemv_t_panels<In, Out>(W, X + s * In, b, Z + s * Out, f);
                continue;
            }
            for (std::size_t o = r.lo; o < r.hi; ++o) {
                T z = b ? b[o] : T{};
                for (std::size_t k = 0; k < In; ++k) z += W[typegrad::detail::panel_offset(Out, In, o, k)] * X[s * In + k];
                Z[s * Out + o] = f(z);
            }
        }
    } else {
        for (std::size_t s = 0; s < n; ++s) {  // in batches: std::copy is a call to memmove per row
            T* z = Z + s * Out + r.lo;
            if (!b) std::fill_n(z, count, T{});
            else if (count == Out) map<Out>(b, z, identity{});
            else map_n(count, b + r.lo, z, identity{});
        }
        typegrad::detail::for_each_panel<Out>(r.lo, r.hi, [&](auto pw, std::size_t r0, std::size_t lo, std::size_t hi) {
            if (hi - lo == pw) detail::gemm_nn<pw, In, 1, pw, Out, true>(n, In, X, W + r0 * In, Z + r0);
            else detail::gemm_nn_columns<pw, In, 1, pw, Out, true>(n, In, X, W + r0 * In, Z + r0, {lo, hi});
        });
        if constexpr (!std::is_same_v<F, identity>)
            for (std::size_t s = 0; s < n; ++s) {
                if (count == Out) map<Out>(Z + s * Out, Z + s * Out, f);
                else map_n(count, Z + s * Out + r.lo, Z + s * Out + r.lo, f);
            }
    }
}

/// Z = X·Wᵀ + b, shapes as above.
template <std::size_t In, std::size_t Out, scalar T>
void gemm_forward(std::size_t n, const T* X, const T* W, const std::type_identity_t<T>* b, T* Z,
                  index_range r = {0, Out}) noexcept {
    gemm_forward<In, Out>(n, X, W, b, Z, identity{}, r);
}

/// G += dZᵀ·X for neurons r (all by default): dZ is n×Out, X is n×In, G has W's shape and panels (the
/// weight gradient summed over the batch; rows r of it). With Add = false, G = dZᵀ·X: a gradient
/// computed afresh then needs neither zeroing beforehand nor reading G (at 784×256, two passes over
/// 800 KB that cost about a tenth of a training step). Per panel, Xᵀ·dZ[:, panel] (In×width).
template <std::size_t In, std::size_t Out, bool Add = true, scalar T>
void gemm_weight_grad(std::size_t n, const T* dZ, const T* X, T* G, index_range r = {0, Out}) noexcept {
    typegrad::detail::for_each_panel<Out>(r.lo, r.hi, [&](auto pw, std::size_t r0, std::size_t lo, std::size_t hi) {
        if (hi - lo == pw) detail::gemm_nn<pw, 1, In, Out, pw, Add, In>(In, n, X, dZ + r0, G + r0 * In);
        else detail::gemm_nn_columns<pw, 1, In, Out, pw, Add, In>(In, n, X, dZ + r0, G + r0 * In, {lo, hi});
    });
}

/// gemm_weight_grad of every neuron over inputs k only: columns k of G, which are rows k of each of
/// its panels. tg::fit's threads split the weight gradient of a layer whose neurons they cannot split
/// at cache lines this way (tg::split_inputs).
template <std::size_t In, std::size_t Out, bool Add = true, scalar T>
void gemm_weight_grad_inputs(std::size_t n, const T* dZ, const T* X, T* G, index_range k) noexcept {
    if (k.lo == 0 && k.hi == In) return gemm_weight_grad<In, Out, Add>(n, dZ, X, G);  // its rows known
    typegrad::detail::for_each_panel<Out>([&](auto pw, std::size_t r0) {
        detail::gemm_nn<pw, 1, In, Out, pw, Add>(k.hi - k.lo, n, X + k.lo, dZ + r0, G + r0 * In + k.lo * pw);
    });
}

/// dX = dZ[:, r]·W[r, :], the part of the input gradient dX = dZ·W that neurons r contribute (all of
/// it by default): dZ is n×Out, W the layer's weights in panels, dX is n×In. The parts of a split layer
/// sum to its input gradient. It runs as a transposed product (gemm_input_grad_tiles): dZ's columns
/// packed, W's stored rows broadcast.
template <std::size_t In, std::size_t Out, scalar T>
void gemm_input_grad(std::size_t n, const T* dZ, const T* W, T* dX, index_range r = {0, Out}) noexcept {
    if (r.lo == r.hi) return std::fill(dX, dX + n * In, T{});  // no neurons: no part
    if constexpr (4 * Out <= width<T>) {  // narrow: one panel, stored In×Out row-major
        if (r.hi - r.lo == Out) {
            for (std::size_t s = 0; s < n; ++s) gemv<In, Out>(W, dZ + s * Out, nullptr, dX + s * In);
            return;
        }
    } else if constexpr (detail::narrow_panel<In, Out, T>) {
        if (r.hi - r.lo == Out) {  // the panel transposed back to W (Out×In), then dZ·W
            alignas(alignment) T w[Out * In];
            for (std::size_t o = 0; o < Out; ++o)
                for (std::size_t i = 0; i < In; ++i) w[o * In + i] = W[i * Out + o];
            detail::gemm_nn<In, Out, 1, In, In, false>(n, Out, dZ, w, dX);
            return;
        }
    }
    detail::gemm_input_grad_tiles<In, Out>(n, dZ, W, dX, r);
}

/// db += Σ_s dZ[s]: dZ is n×Out, db of Out (the bias gradient summed over the batch); with
/// Add = false, db = Σ_s dZ[s].
template <std::size_t Out, bool Add = true, scalar T>
void bias_grad(std::size_t n, const T* dZ, T* db) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>;
    std::size_t o = 0;
    for (; o + w <= Out; o += w) {
        V acc = Add ? V::load_unaligned(db + o) : V(T{});
        for (std::size_t s = 0; s < n; ++s) acc += V::load_unaligned(dZ + s * Out + o);
        acc.store_unaligned(db + o);
    }
    if constexpr (Out % w != 0) {
        V acc = Add ? load_head<Out % w>(db + o) : V(T{});
        for (std::size_t s = 0; s < n; ++s) acc += load_head<Out % w>(dZ + s * Out + o);
        store_head<Out % w>(db + o, acc);
    }
}

/// bias_grad of neurons r only: entries r of db, from columns r of dZ.
template <std::size_t Out, bool Add = true, scalar T>
void bias_grad(std::size_t n, const T* dZ, T* db, index_range r) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>;
    std::size_t o = r.lo;
    if constexpr (Out >= w)
        for (; o + w <= r.hi; o += w) {
            V acc = Add ? V::load_unaligned(db + o) : V(T{});
            for (std::size_t s = 0; s < n; ++s) acc += V::load_unaligned(dZ + s * Out + o);
            acc.store_unaligned(db + o);
        }
    for (; o < r.hi; ++o) {
        T acc = Add ? db[o] : T{};
        for (std::size_t s = 0; s < n; ++s) acc += dZ[s * Out + o];
        db[o] = acc;
    }
}

}  // namespace typegrad::simd

#undef TYPEGRAD_UNROLL
#undef TYPEGRAD_PRAGMA
