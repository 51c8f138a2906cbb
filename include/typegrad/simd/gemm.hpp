// Batch kernels for a dense layer on a mini-batch of n samples: n is a run-time argument, the layer
// sizes In and Out are compile-time. W is Out×In row-major, X is n×In and Z, dZ are n×Out, all
// row-major and contiguous (no alignment assumed):
//   gemm_forward      Z = f(X·Wᵀ + b)     (bias and elementwise epilogue fused)
//   gemm_weight_grad  G += dZᵀ·X           (or G = dZᵀ·X)
//   gemm_input_grad   dX = dZ·W
//   bias_grad         db += Σ rows of dZ     (or db = Σ rows of dZ)
// All three run one register-blocked micro-kernel: a tile of up to 12 rows by 2 batches of columns
// held in registers (AVX-512), per step of k 12 broadcasts and 2 loads feeding 24 FMAs. The
// gradients read their operands where they lie, but for a tile's columns of dZ when its rows are
// 1 KiB apart (gemm_nn copies them); the forward first copies each block of 2 batches of samples
// into columns (transposed squares), multiplies with W's rows broadcast, and transposes the tile
// back on the way out, with the bias and f applied there.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/unroll.hpp>
#include <typegrad/simd/gemv.hpp>
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

/// Cuts M rows into ⌈M / MR⌉ tiles as even as possible (64 rows by 12: 11, 11, 11, 11, 10, 10) and
/// calls tile.template operator()<Rows>(first row) for each: a tile of fewer rows than its neighbours
/// would waste most of its FMA slots on loads.
template <std::size_t MR, class Tile>
inline void even_row_tiles(std::size_t M, Tile&& tile) {
    const std::size_t tiles = (M + MR - 1) / MR;
    for (std::size_t t = 0; t < tiles; ++t) {
        const std::size_t m = M * t / tiles, rows = M * (t + 1) / tiles - m;
        [&]<std::size_t... R>(std::index_sequence<R...>) TYPEGRAD_ALWAYS_INLINE {
            ((rows == R + 1 ? tile.template operator()<R + 1>(m) : void()), ...);
        }(std::make_index_sequence<MR>{});
    }
}

/// Cuts M ≤ Max rows into tiles of MR rows, of 2/3 and 1/3 of that and of 1 (12, 8, 4, 1): four tile
/// heights whatever M is, for row counts known only at run time that vary from call to call (a
/// thread's share of a layer's neurons), where even_row_tiles would instantiate every height up to
/// MR. Any multiple of 4 from 8 on goes in tiles of 12 and 8 (12 + 4 as 8 + 8): a tile of 4 rows reads
/// as much of B per step as one of 12, and the weight gradient's B comes from L2 (the 4-row tiles of
/// 128 = 10·12 + 2·4 rows of 784 → 256 took as long as the ten of 12). No tile is taller than Max.
template <std::size_t MR, std::size_t Max, class Tile>
inline void few_height_row_tiles(std::size_t M, Tile&& tile) {
    constexpr std::size_t tall = std::min(MR, Max), small = tall / 3, mid = 2 * small;
    std::size_t m = 0;
    const auto run = [&]<std::size_t Rows>() {
        tile.template operator()<Rows>(m);
        m += Rows;
    };
    while (M - m >= tall) {
        if constexpr (small > 0)
            if (M - m == tall + small) {
                run.template operator()<mid>();
                run.template operator()<mid>();
                continue;
            }
        run.template operator()<tall>();
    }
    if constexpr (small > 0) {
        if (M - m >= mid) run.template operator()<mid>();
        if (M - m >= small) run.template operator()<small>();
    }
    while (m < M) run.template operator()<1>();
}

/// The same for a compile-time M: only the two tile heights that occur are instantiated.
template <std::size_t M, std::size_t MR, class Tile>
inline void even_row_tiles(Tile&& tile) {
    constexpr std::size_t tiles = (M + MR - 1) / MR, rows = M / tiles, taller = M % tiles;
    for (std::size_t t = 0; t < taller; ++t) tile.template operator()<rows + 1>(t * (rows + 1));
    for (std::size_t t = taller; t < tiles; ++t) tile.template operator()<rows>(taller + t * rows);
}

/// C (M×N, rows LdC apart) (+)= A·Bmat over K, tiled by gemm_tile: up to 12 rows by 2 batches of
/// columns (24 accumulators; 14 loads feed 24 FMAs per step of k). K is run-time, M run-time or
/// (RowsKnown) M; with FewHeights, M is run-time, at most RowsKnown, and cut by few_height_row_tiles. With PanelsOuter all row tiles of a panel of columns run before the next panel, so
/// the panel of B stays in L1 and B is read from memory once (the input gradient's W, its largest
/// operand); otherwise each row tile runs along its rows of C, which the hardware prefetches as
/// streams (the weight gradient's C, read and written once, is its largest).
template <std::size_t N, std::size_t AM, std::size_t AK, std::size_t LdB, std::size_t LdC, bool Accumulate,
          bool PanelsOuter, std::size_t RowsKnown = 0, bool FewHeights = false, scalar T>
inline void gemm_nn(std::size_t M, std::size_t K, const T* a, const T* b, T* c) noexcept {
    constexpr std::size_t nc = 2 * width<T>;
    // Columns [n0, n1) of the MR rows at c, over k < kn, A(i, k) = ap[i·PM + k·PK], B from bp.
    const auto run = [&]<std::size_t MR, std::size_t PM, std::size_t PK, bool Acc>(std::size_t kn, const T* ap,
                                                                               const T* bp, T* cm, std::size_t n0,
                                                                               std::size_t n1) {
        std::size_t n = n0;
        for (; n + nc <= n1; n += nc) gemm_tile<MR, nc, PM, PK, LdB, LdC, Acc>(kn, ap, bp + n, cm + n);
        if constexpr (N % nc != 0)
            if (n < n1) gemm_tile<MR, N % nc, PM, PK, LdB, LdC, Acc>(kn, ap, bp + n, cm + n);
    };
    const auto panels = [&]<std::size_t MR>(std::size_t m, std::size_t n0, std::size_t n1) {
        if constexpr (AM == 1 && AK * sizeof(T) % 1024 == 0 && !PanelsOuter) {
            // A read across rows a multiple of 1 KiB apart (the weight gradient's dZᵀ, Out = 256
            // floats): those rows fall in at most 4 of L1's 64 sets and evict each other, so the row
            // tile's A is first copied to a contiguous block, k by k, which all its panels then read.
            // 784×256 at batch 64 ran 11% (AVX2) and 7% (AVX-512) faster. Rows 512 bytes apart
            // (Out = 128) use 8 sets, which hold them: there the copy cost 2-3%.
            constexpr std::size_t kc = 256;
            alignas(64) T ap[kc * MR];
            std::size_t k0 = 0;
            do {
                const std::size_t kn = std::min(kc, K - k0);
                for (std::size_t k = 0; k < kn; ++k)
                    std::copy_n(a + m + (k0 + k) * AK, MR, ap + k * MR);
                if (k0 == 0) run.template operator()<MR, 1, MR, Accumulate>(kn, ap, b, c + m * LdC, n0, n1);
                else run.template operator()<MR, 1, MR, true>(kn, ap, b + k0 * LdB, c + m * LdC, n0, n1);
                k0 += kn;
            } while (k0 < K);
        } else {
            run.template operator()<MR, AM, AK, Accumulate>(K, a + m * AM, b, c + m * LdC, n0, n1);
        }
    };
    const auto rows = [&](auto tile) {
        if constexpr (FewHeights)
            few_height_row_tiles<tile_rows<T>, RowsKnown>(M, tile);
        else if constexpr (RowsKnown != 0)
            even_row_tiles<RowsKnown, tile_rows<T>>(tile);
        else
            even_row_tiles<tile_rows<T>>(M, tile);
    };
    if constexpr (PanelsOuter) {
        for (std::size_t n = 0; n < N; n += nc)
            rows([&]<std::size_t MR>(std::size_t m) { panels.template operator()<MR>(m, n, std::min(N, n + nc)); });
    } else {
        rows([&]<std::size_t MR>(std::size_t m) { panels.template operator()<MR>(m, 0, N); });
    }
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

/// MR outputs by J batches of samples of the forward, as an outer product over k: per k, J loads of
/// the packed sample columns and MR broadcasts of W feed MR·J FMAs. The tile holds Zᵀ; it leaves
/// through transposed squares (bias and f applied once the last chunk of k is in). Chunks after the
/// first add to the partial sums that the previous chunk left in Z.
template <std::size_t MR, std::size_t J, std::size_t In, std::size_t Out, std::size_t NB, scalar T, class F>
inline void forward_tile(std::size_t ns, std::size_t K, bool first, bool last, const T* W, const T* xt, const T* b,
                         T* Z, F& f) noexcept {
    using V = batch<T>;
    constexpr std::size_t w = width<T>;
    V acc[MR][J];
TYPEGRAD_UNROLL(32)
    for (std::size_t m = 0; m < MR; ++m)
TYPEGRAD_UNROLL(4)
        for (std::size_t j = 0; j < J; ++j) acc[m][j] = V(T{});
    for (std::size_t k = 0; k < K; ++k) {
        V bk[J];
TYPEGRAD_UNROLL(4)
        for (std::size_t j = 0; j < J; ++j) bk[j] = V::load_aligned(xt + k * NB + j * w);
TYPEGRAD_UNROLL(32)
        for (std::size_t m = 0; m < MR; ++m) {
            const V a(W[m * In + k]);
TYPEGRAD_UNROLL(4)
            for (std::size_t j = 0; j < J; ++j) acc[m][j] = xsimd::fma(a, bk[j], acc[m][j]);
        }
    }
    // Rows M0 .. M0 + Rows of the tile against one transposed square per batch of samples. The
    // accumulators are indexed by constants only (simd::unroll): a run-time index into acc makes the
    // compiler keep it in memory, and then it stores every accumulator at every step of k (784 → 256
    // with AVX-512 at -O2 ran at a third of the peak).
    const auto leave = [&]<std::size_t M0, std::size_t Rows>() TYPEGRAD_ALWAYS_INLINE {
        unroll<J>([&](auto j) TYPEGRAD_ALWAYS_INLINE {
            if (j * w >= ns) return;
            const std::size_t samples = std::min(w, ns - j * w);
            T* z = Z + j * w * Out + M0;
            V r[w];
            if (!first) {
                for (std::size_t l = 0; l < w; ++l) {
                    if (l >= samples)
                        r[l] = V(T{});
                    else if constexpr (Rows == w)
                        r[l] = V::load_unaligned(z + l * Out);
                    else
                        r[l] = load_head<Rows>(z + l * Out);
                }
                transpose(r);
            }
            unroll<w>([&](auto m) TYPEGRAD_ALWAYS_INLINE {
                if constexpr (m >= Rows) {
                    r[m] = V(T{});
                } else {
                    V zm = first ? acc[M0 + m][j] : acc[M0 + m][j] + r[m];
                    if (last) zm = f(b ? zm + V(b[M0 + m]) : zm);
                    r[m] = zm;
                }
            });
            transpose(r);
            for (std::size_t l = 0; l < samples; ++l) {
                if constexpr (Rows == w)
                    r[l].store_unaligned(z + l * Out);
                else
                    store_head<Rows>(z + l * Out, r[l]);
            }
        });
    };
    [&]<std::size_t... C>(std::index_sequence<C...>) TYPEGRAD_ALWAYS_INLINE {
        (leave.template operator()<C * w, std::min(w, MR - C * w)>(), ...);
    }(std::make_index_sequence<(MR + w - 1) / w>{});
}

}  // namespace detail

/// Indices [lo, hi): the outputs (neurons) of a dense layer, i.e. rows of W and columns of Z and dZ,
/// or the samples, that one thread computes when tg::fit splits a batch step between threads.
struct index_range {
    std::size_t lo, hi;
};

namespace detail {

/// gemm_forward's tiles over the inputs [ks.lo, ks.hi) (all of them by default).
template <std::size_t In, std::size_t Out, scalar T, class F, class RowTiles>
void gemm_forward_tiles(std::size_t n, const T* X, const T* W, const T* b, T* Z, F& f, RowTiles row_tiles,
                        index_range ks = {0, In}) noexcept {
    constexpr std::size_t w = width<T>, nb = 2 * w, kc = std::min(In, (std::size_t{128} << 10) / (nb * sizeof(T)));
    alignas(alignment) T xt[kc * nb];
    for (std::size_t s0 = 0; s0 < n; s0 += nb) {
        const std::size_t ns = std::min(nb, n - s0);
        for (std::size_t k0 = ks.lo; k0 < ks.hi; k0 += kc) {
            const std::size_t K = std::min(kc, ks.hi - k0);
            pack_columns<In, nb>(ns, k0, K, X + s0 * In, xt);
            const auto tiles = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
                const bool first = k0 == ks.lo, last = k0 + K == ks.hi;
                row_tiles([&]<std::size_t Rows>(std::size_t o) {
                    forward_tile<Rows, J, In, Out, nb>(ns, K, first, last, W + o * In + k0, xt, b ? b + o : b,
                                                       Z + s0 * Out + o, f);
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
    constexpr std::size_t w = width<T>, nc = 2 * w;
    const auto tile = [&]<std::size_t MR>(std::size_t m) {
        const T* am = a + m * AM;
        T* cm = c + m * LdC;
        std::size_t n = cols.lo;
        for (; n + nc <= cols.hi; n += nc) gemm_tile<MR, nc, AM, AK, LdB, LdC, Accumulate>(K, am, b + n, cm + n);
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

/// The part of Z = X·Wᵀ that inputs ks contribute, X[:, ks]·W[:, ks]ᵀ (no bias): X is n×In, W is
/// Out×In, Z is n×Out. The parts over a split of the inputs sum to X·Wᵀ.
template <std::size_t In, std::size_t Out, scalar T>
void gemm_forward_part(std::size_t n, const T* X, const T* W, T* Z, index_range ks) noexcept {
    const auto same = [](auto z) { return z; };
    detail::gemm_forward_tiles<In, Out>(n, X, W, static_cast<const T*>(nullptr), Z, same, [](auto tile) {
        detail::even_row_tiles<Out, detail::tile_rows<T>>(tile);
    }, ks);
}

/// Z = f(X·Wᵀ + b): X is n×In, W is Out×In, b of Out (may be null), Z is n×Out; f is applied to
/// each output (called with batch<T>, and with T for narrow W). Samples go in blocks of two batches,
/// copied as columns into a stack buffer of at most 128 KiB (In in chunks that fit), so that the
/// product runs as outer products with W's rows broadcast.
template <std::size_t In, std::size_t Out, scalar T, class F>
void gemm_forward(std::size_t n, const T* X, const T* W, const std::type_identity_t<T>* b, T* Z, F f) noexcept {
    if constexpr (4 * In <= width<T>) {
        for (std::size_t s = 0; s < n; ++s) gemv<Out, In>(W, X + s * In, b, Z + s * Out, f);
    } else {
        detail::gemm_forward_tiles<In, Out>(n, X, W, b, Z, f, [](auto tile) {
            detail::even_row_tiles<Out, detail::tile_rows<T>>(tile);
        });
    }
}

/// gemm_forward of neurons r only: columns [r.lo, r.hi) of Z, from rows r of W and b.
template <std::size_t In, std::size_t Out, scalar T, class F>
void gemm_forward(std::size_t n, const T* X, const T* W, const std::type_identity_t<T>* b, T* Z, F f,
                  index_range r) noexcept {
    if constexpr (4 * In <= width<T>) {
        for (std::size_t s = 0; s < n; ++s)
            for (std::size_t o = r.lo; o < r.hi; ++o) {
                T z = b ? b[o] : T{};
                for (std::size_t k = 0; k < In; ++k) z += W[o * In + k] * X[s * In + k];
                Z[s * Out + o] = f(z);
            }
    } else {
        detail::gemm_forward_tiles<In, Out>(n, X, W, b, Z, f, [r](auto tile) {
            detail::few_height_row_tiles<detail::tile_rows<T>, Out>(r.hi - r.lo, [&]<std::size_t Rows>(std::size_t m) {
                tile.template operator()<Rows>(r.lo + m);
            });
        });
    }
}

/// Z = X·Wᵀ + b, shapes as above.
template <std::size_t In, std::size_t Out, scalar T>
void gemm_forward(std::size_t n, const T* X, const T* W, const std::type_identity_t<T>* b, T* Z) noexcept {
    gemm_forward<In, Out>(n, X, W, b, Z, [](auto z) { return z; });
}

/// G += dZᵀ·X: dZ is n×Out, X is n×In, G is Out×In (the weight gradient summed over the batch).
/// With Add = false, G = dZᵀ·X: a gradient computed afresh then needs neither zeroing beforehand
/// nor reading G (at 784×256, two passes over 800 KB that cost about a tenth of a training step).
template <std::size_t In, std::size_t Out, bool Add = true, scalar T>
void gemm_weight_grad(std::size_t n, const T* dZ, const T* X, T* G) noexcept {
    detail::gemm_nn<In, 1, Out, In, In, Add, false, Out>(Out, n, dZ, X, G);
}

/// gemm_weight_grad of neurons r only: rows r of G, from columns r of dZ.
template <std::size_t In, std::size_t Out, bool Add = true, scalar T>
void gemm_weight_grad(std::size_t n, const T* dZ, const T* X, T* G, index_range r) noexcept {
    detail::gemm_nn<In, 1, Out, In, In, Add, false, Out, true>(r.hi - r.lo, n, dZ + r.lo, X, G + r.lo * In);
}

/// dX = dZ·W: dZ is n×Out, W is Out×In, dX is n×In (the input gradient of every sample).
template <std::size_t In, std::size_t Out, scalar T>
void gemm_input_grad(std::size_t n, const T* dZ, const T* W, T* dX) noexcept {
    detail::gemm_nn<In, Out, 1, In, In, false, true>(n, Out, dZ, W, dX);
}

/// The part of dX = dZ·W that neurons r contribute: dX = dZ[:, r]·W[r, :]. The parts of a split
/// layer sum to its input gradient.
template <std::size_t In, std::size_t Out, scalar T>
void gemm_input_grad(std::size_t n, const T* dZ, const T* W, T* dX, index_range r) noexcept {
    detail::gemm_nn<In, Out, 1, In, In, false, true>(n, r.hi - r.lo, dZ + r.lo, W + r.lo * In, dX);
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
