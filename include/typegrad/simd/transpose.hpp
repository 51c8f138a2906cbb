// simd::transpose(rows): transposes a square block of width × width elements held in width batches,
// so that rows[c] afterwards holds what was column c. The batch kernels use it to turn sample rows into
// sample columns and back. x86 runs it as rounds of in-register shuffles (AVX-512 four, AVX three,
// SSE two); other architectures go through an aligned stack buffer.
#pragma once

#include <cstddef>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::simd {

/// rows[r] lane c becomes rows[c] lane r, for r, c < width<T>.
template <scalar T>
TYPEGRAD_ALWAYS_INLINE inline void transpose(batch<T> (&rows)[width<T>]) noexcept {
    constexpr std::size_t w = width<T>;
#if defined(__AVX512F__)
    if constexpr (w * sizeof(T) == 64 && sizeof(T) == 4) {
        // Rows interleaved by 1 and then 2 elements within each 128-bit lane, then the 128-bit
        // lanes gathered across rows 4 and 8 apart.
        __m512 t[16], r[16];
        for (std::size_t i = 0; i < 16; i += 2) {
            t[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
            t[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
        }
        for (std::size_t i = 0; i < 16; i += 4) {
            r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
            r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
            r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
            r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        }
        for (std::size_t h = 0; h < 16; h += 8)
            for (std::size_t i = 0; i < 4; ++i) {
                t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
                t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
            }
        for (std::size_t i = 0; i < 8; ++i) {
            rows[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
            rows[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
        }
        return;
    } else if constexpr (w * sizeof(T) == 64 && sizeof(T) == 8) {
        __m512d t[8], u[8];
        for (std::size_t i = 0; i < 8; i += 2) {
            t[i] = _mm512_unpacklo_pd(rows[i], rows[i + 1]);
            t[i + 1] = _mm512_unpackhi_pd(rows[i], rows[i + 1]);
        }
        for (std::size_t h = 0; h < 8; h += 4) {
            u[h] = _mm512_shuffle_f64x2(t[h], t[h + 2], 0x88);
            u[h + 1] = _mm512_shuffle_f64x2(t[h + 1], t[h + 3], 0x88);
            u[h + 2] = _mm512_shuffle_f64x2(t[h], t[h + 2], 0xdd);
            u[h + 3] = _mm512_shuffle_f64x2(t[h + 1], t[h + 3], 0xdd);
        }
        for (std::size_t i = 0; i < 4; ++i) {
            rows[i] = _mm512_shuffle_f64x2(u[i], u[i + 4], 0x88);
            rows[i + 4] = _mm512_shuffle_f64x2(u[i], u[i + 4], 0xdd);
        }
        return;
    }
#elif defined(__AVX__)
    if constexpr (w * sizeof(T) == 32 && sizeof(T) == 4) {
        // Rows interleaved by 1 element, then by 2, within each 128-bit lane: each lane then holds
        // four elements of a column, whose two halves are gathered across rows 4 apart.
        __m256 t[8], s[8];
        for (std::size_t i = 0; i < 8; i += 2) {
            t[i] = _mm256_unpacklo_ps(rows[i], rows[i + 1]);
            t[i + 1] = _mm256_unpackhi_ps(rows[i], rows[i + 1]);
        }
        for (std::size_t i = 0; i < 8; i += 4) {
            s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
            s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xee);
            s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
            s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xee);
        }
        for (std::size_t i = 0; i < 4; ++i) {
            rows[i] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x20);
            rows[i + 4] = _mm256_permute2f128_ps(s[i], s[i + 4], 0x31);
        }
        return;
    } else if constexpr (w * sizeof(T) == 32 && sizeof(T) == 8) {
        const __m256d t0 = _mm256_unpacklo_pd(rows[0], rows[1]), t1 = _mm256_unpackhi_pd(rows[0], rows[1]);
        const __m256d t2 = _mm256_unpacklo_pd(rows[2], rows[3]), t3 = _mm256_unpackhi_pd(rows[2], rows[3]);
        rows[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
        rows[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
        rows[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
        rows[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
        return;
    }
#elif defined(__SSE2__)
    if constexpr (w * sizeof(T) == 16 && sizeof(T) == 4) {
        const __m128 t0 = _mm_unpacklo_ps(rows[0], rows[1]), t1 = _mm_unpackhi_ps(rows[0], rows[1]);
        const __m128 t2 = _mm_unpacklo_ps(rows[2], rows[3]), t3 = _mm_unpackhi_ps(rows[2], rows[3]);
        rows[0] = _mm_movelh_ps(t0, t2);
        rows[1] = _mm_movehl_ps(t2, t0);
        rows[2] = _mm_movelh_ps(t1, t3);
        rows[3] = _mm_movehl_ps(t3, t1);
        return;
    } else if constexpr (w * sizeof(T) == 16 && sizeof(T) == 8) {
        const __m128d t0 = _mm_unpacklo_pd(rows[0], rows[1]), t1 = _mm_unpackhi_pd(rows[0], rows[1]);
        rows[0] = t0;
        rows[1] = t1;
        return;
    }
#endif
    alignas(alignment) T buffer[w * w];
    for (std::size_t r = 0; r < w; ++r) rows[r].store_aligned(buffer + r * w);
    alignas(alignment) T column[w];
    for (std::size_t c = 0; c < w; ++c) {
        for (std::size_t r = 0; r < w; ++r) column[r] = buffer[r * w + c];
        rows[c] = batch<T>::load_aligned(column);
    }
}

}  // namespace typegrad::simd
