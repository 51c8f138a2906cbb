// Loads and stores of the first M elements of a batch (M < width), for the tails of kernels whose
// sizes are not multiples of the SIMD width. They touch exactly M elements of memory. On x86 they
// are plain loads and stores of 16, 8 and 4 bytes put together in registers (with AVX-512, single
// masked instructions beyond two elements): a load that follows a store of the same bytes is then
// served by store forwarding, where a stack buffer written element by element and read back whole
// stalls. Other targets go through such a buffer.
#pragma once

#include <array>
#include <cstddef>

#include <typegrad/simd/batch.hpp>

namespace typegrad::simd {

#if defined(__SSE2__)
namespace detail {

/// The first Bytes (a multiple of 4, at most 16) bytes at p in the low bytes of a register, the rest
/// zero, read by plain loads of exactly those bytes.
template <std::size_t Bytes>
inline __m128i load_bytes(const void* p) noexcept {
    const auto* c = static_cast<const char*>(p);
    if constexpr (Bytes == 0) return _mm_setzero_si128();
    else if constexpr (Bytes == 4) return _mm_loadu_si32(c);
    else if constexpr (Bytes == 8) return _mm_loadu_si64(c);
    else if constexpr (Bytes == 12) return _mm_unpacklo_epi64(_mm_loadu_si64(c), _mm_loadu_si32(c + 8));
    else return _mm_loadu_si128(reinterpret_cast<const __m128i*>(c));
}

/// Writes the low Bytes (a multiple of 4, below 16) bytes of v to p.
template <std::size_t Bytes>
inline void store_bytes(void* p, __m128i v) noexcept {
    auto* c = static_cast<char*>(p);
    if constexpr (Bytes >= 8) {
        _mm_storeu_si64(c, v);
        if constexpr (Bytes == 12) _mm_storeu_si32(c + 8, _mm_unpackhi_epi64(v, v));
    } else if constexpr (Bytes == 4) {
        _mm_storeu_si32(c, v);
    }
}

/// The first M elements at p as a batch of 16 or 32 bytes, the other lanes zero.
template <std::size_t M, scalar T>
inline batch<T> load_head_x86(const T* p) noexcept {
    constexpr std::size_t bytes = M * sizeof(T);
    if constexpr (sizeof(batch<T>) == 16) {
        const __m128i v = load_bytes<bytes>(p);
        if constexpr (sizeof(T) == 4) return _mm_castsi128_ps(v);
        else return _mm_castsi128_pd(v);
    } else {
#if defined(__AVX__)
        static_assert(sizeof(batch<T>) == 32);
        __m256i v;
        if constexpr (bytes < 16) v = _mm256_set_m128i(_mm_setzero_si128(), load_bytes<bytes>(p));
        else v = _mm256_set_m128i(load_bytes<bytes - 16>(p + 16 / sizeof(T)), load_bytes<16>(p));
        if constexpr (sizeof(T) == 4) return _mm256_castsi256_ps(v);
        else return _mm256_castsi256_pd(v);
#endif
    }
}

/// Writes lanes 0..M-1 of a batch of 16 or 32 bytes to p.
template <std::size_t M, scalar T>
inline void store_head_x86(T* p, batch<T> b) noexcept {
    constexpr std::size_t bytes = M * sizeof(T);
    if constexpr (sizeof(batch<T>) == 16) {
        if constexpr (sizeof(T) == 4) store_bytes<bytes>(p, _mm_castps_si128(b));
        else store_bytes<bytes>(p, _mm_castpd_si128(b));
    } else {
#if defined(__AVX__)
        __m256i v;
        if constexpr (sizeof(T) == 4) v = _mm256_castps_si256(b);
        else v = _mm256_castpd_si256(b);
        if constexpr (bytes < 16) {
            store_bytes<bytes>(p, _mm256_castsi256_si128(v));
        } else {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(v));
            store_bytes<bytes - 16>(p + 16 / sizeof(T), _mm256_extractf128_si256(v, 1));
        }
#endif
    }
}

}  // namespace detail
#endif

/// The first M elements of p in lanes 0..M-1; the other lanes are taken from fill.
template <std::size_t M, scalar T>
inline batch<T> load_head(const T* p, batch<T> fill) noexcept {
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
#if defined(__SSE2__)
    if constexpr (sizeof(batch<T>) <= 32) {
        alignas(alignment) static constexpr auto lanes = [] {
            std::array<T, width<T>> l{};
            for (std::size_t i = 0; i < width<T>; ++i) l[i] = T(i);
            return l;
        }();
        return xsimd::select(batch<T>::load_aligned(lanes.data()) < batch<T>(T(M)), detail::load_head_x86<M>(p), fill);
    }
#endif
    alignas(alignment) T buffer[width<T>];
    fill.store_aligned(buffer);
    for (std::size_t i = 0; i < M; ++i) buffer[i] = p[i];
    return batch<T>::load_aligned(buffer);
}

/// The first M elements of p in lanes 0..M-1, zero in the others.
template <std::size_t M, scalar T>
inline batch<T> load_head(const T* p) noexcept {
#if defined(__SSE2__)
    if constexpr (sizeof(batch<T>) <= 32) {
        static_assert(M > 0 && M < width<T>, "load_head is for partial batches");
        return detail::load_head_x86<M>(p);
    }
#endif
    return load_head<M>(p, batch<T>(T{}));
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
#if defined(__SSE2__)
    if constexpr (sizeof(batch<T>) <= 32) {
        detail::store_head_x86<M>(p, b);
        return;
    }
#endif
    alignas(alignment) T buffer[width<T>];
    b.store_aligned(buffer);
    for (std::size_t i = 0; i < M; ++i) p[i] = buffer[i];
}

}  // namespace typegrad::simd
