// Loads and stores of the first M elements of a batch (M < width), for the tails of kernels whose
// sizes are not multiples of the SIMD width. They touch exactly M elements of memory; with AVX-512
// they are single masked instructions (plain ones for one or two elements, so that a load right
// after a store is forwarded), elsewhere they go through an aligned stack buffer.
#pragma once

#include <cstddef>

#include <typegrad/simd/batch.hpp>

namespace typegrad::simd {

/// The first M elements of p in lanes 0..M-1; the other lanes are taken from fill.
template <std::size_t M, scalar T>
inline batch<T> load_head(const T* p, batch<T> fill = batch<T>(T{})) noexcept {
    static_assert(M > 0 && M < width<T>, "load_head is for partial batches");
#if defined(__AVX512F__)
    if constexpr (width<T> * sizeof(T) == 64 && M * sizeof(T) <= 8) {
        // One or two elements: a plain load, which store forwarding serves from store_head's plain
        // store (after a masked store, a load waits until the store has reached the cache).
        const __m128i head = M * sizeof(T) == 4 ? _mm_loadu_si32(p) : _mm_loadu_si64(p);
        if constexpr (sizeof(T) == 4)
            return _mm512_mask_mov_ps(fill, static_cast<__mmask16>((1u << M) - 1),
                                      _mm512_castps128_ps512(_mm_castsi128_ps(head)));
        else
            return _mm512_mask_mov_pd(fill, static_cast<__mmask8>(1), _mm512_castpd128_pd512(_mm_castsi128_pd(head)));
    } else if constexpr (width<T> * sizeof(T) == 64) {
        constexpr auto mask = static_cast<unsigned>((1ull << M) - 1);
        if constexpr (sizeof(T) == 4)
            return _mm512_mask_loadu_ps(fill, static_cast<__mmask16>(mask), p);
        else
            return _mm512_mask_loadu_pd(fill, static_cast<__mmask8>(mask), p);
    }
#endif
    alignas(alignment) T buffer[width<T>];
    fill.store_aligned(buffer);
    for (std::size_t i = 0; i < M; ++i) buffer[i] = p[i];
    return batch<T>::load_aligned(buffer);
}

/// Writes lanes 0..M-1 of b to p[0..M-1] and nothing else.
template <std::size_t M, scalar T>
inline void store_head(T* p, batch<T> b) noexcept {
    static_assert(M > 0 && M < width<T>, "store_head is for partial batches");
#if defined(__AVX512F__)
    if constexpr (width<T> * sizeof(T) == 64 && M * sizeof(T) <= 8) {
        __m128i head;
        if constexpr (sizeof(T) == 4) head = _mm_castps_si128(_mm512_castps512_ps128(b));
        else head = _mm_castpd_si128(_mm512_castpd512_pd128(b));
        if constexpr (M * sizeof(T) == 4) _mm_storeu_si32(p, head);
        else _mm_storeu_si64(p, head);
        return;
    } else if constexpr (width<T> * sizeof(T) == 64) {
        constexpr auto mask = static_cast<unsigned>((1ull << M) - 1);
        if constexpr (sizeof(T) == 4)
            _mm512_mask_storeu_ps(p, static_cast<__mmask16>(mask), b);
        else
            _mm512_mask_storeu_pd(p, static_cast<__mmask8>(mask), b);
        return;
    }
#endif
    alignas(alignment) T buffer[width<T>];
    b.store_aligned(buffer);
    for (std::size_t i = 0; i < M; ++i) p[i] = buffer[i];
}

}  // namespace typegrad::simd
