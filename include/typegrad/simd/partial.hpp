// Loads and stores of the first M elements of a batch (M < width), for the tails of kernels whose
// sizes are not multiples of the SIMD width. They touch exactly M elements of memory. On x86 they
// are plain loads and stores of 32 (AVX-512), 16, 8 and 4 bytes put together in registers: a load
// that follows a store of the same bytes is then served by store forwarding, where a stack buffer
// written element by element and read back whole stalls, and a load after a masked store (AVX-512)
// waits until the store has reached the cache. Other targets go through such a buffer.
#pragma once

#include <array>
#include <cstddef>

#include <typegrad/simd/batch.hpp>
#include <typegrad/simd/unroll.hpp>

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

/// The first M elements at p as a batch B of 16 or 32 bytes, the other lanes zero.
template <std::size_t M, scalar T, class B = batch<T>>
inline B load_head_x86(const T* p) noexcept {
    constexpr std::size_t bytes = M * sizeof(T);
    if constexpr (sizeof(B) == 16) {
        const __m128i v = load_bytes<bytes>(p);
        if constexpr (sizeof(T) == 4) return _mm_castsi128_ps(v);
        else return _mm_castsi128_pd(v);
    } else {
#if defined(__AVX__)
        static_assert(sizeof(B) == 32);
        __m256i v;
        if constexpr (bytes < 16) v = _mm256_set_m128i(_mm_setzero_si128(), load_bytes<bytes>(p));
        else v = _mm256_set_m128i(load_bytes<bytes - 16>(p + 16 / sizeof(T)), load_bytes<16>(p));
        if constexpr (sizeof(T) == 4) return _mm256_castsi256_ps(v);
        else return _mm256_castsi256_pd(v);
#endif
    }
}

/// Writes lanes 0..M-1 of a batch B of 16 or 32 bytes to p.
template <std::size_t M, scalar T, class B>
inline void store_head_x86(T* p, B b) noexcept {
    constexpr std::size_t bytes = M * sizeof(T);
    if constexpr (sizeof(B) == 16) {
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

#if defined(__AVX512F__)
/// The first Bytes (a multiple of 4, below 64) bytes at p in the low bytes of a register, the rest
/// zero: plain loads of 32, 16, 8 and 4 bytes put together.
template <std::size_t Bytes>
inline __m512i load_bytes_512(const void* p) noexcept {
    const auto* c = static_cast<const char*>(p);
    // The pieces are put together by inserts, except where the rest is zero: a zero-extending move
    // costs nothing, an insert a shuffle.
    const auto half = [](const char* h, auto bytes) {
        if constexpr (bytes > 16) return _mm256_set_m128i(load_bytes<bytes - 16>(h + 16), load_bytes<16>(h));
        else return _mm256_zextsi128_si256(load_bytes<bytes>(h));
    };
    const auto low = [c] { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(c)); };
    using rest = std::integral_constant<std::size_t, (Bytes > 32 ? Bytes - 32 : Bytes)>;
    if constexpr (Bytes > 32) return _mm512_inserti64x4(_mm512_castsi256_si512(low()), half(c + 32, rest{}), 1);
    else if constexpr (Bytes == 32) return _mm512_zextsi256_si512(low());
    else return _mm512_zextsi256_si512(half(c, rest{}));
}

/// Writes the low Bytes (a multiple of 4, below 64) bytes of v to p by plain stores, which store
/// forwarding serves to later loads (after a masked store, a load waits until it reaches the cache).
template <std::size_t Bytes>
inline void store_bytes_512(void* p, __m512i v) noexcept {
    auto* c = static_cast<char*>(p);
    const auto half = [](char* h, __m256i u, auto bytes) {
        if constexpr (bytes >= 16) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm256_castsi256_si128(u));
            store_bytes<bytes - 16>(h + 16, _mm256_extracti128_si256(u, 1));
        } else {
            store_bytes<bytes>(h, _mm256_castsi256_si128(u));
        }
    };
    if constexpr (Bytes >= 32) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c), _mm512_castsi512_si256(v));
        half(c + 32, _mm512_extracti64x4_epi64(v, 1), std::integral_constant<std::size_t, Bytes - 32>{});
    } else {
        half(c, _mm512_castsi512_si256(v), std::integral_constant<std::size_t, Bytes>{});
    }
}
#endif

}  // namespace detail
#endif

/// The first M elements of p in lanes 0..M-1; the other lanes are taken from fill.
template <std::size_t M, scalar T>
inline batch<T> load_head(const T* p, batch<T> fill) noexcept {
    static_assert(M > 0 && M < width<T>, "load_head is for partial batches");
#if defined(__AVX512F__)
    if constexpr (width<T> * sizeof(T) == 64) {
        // Plain loads, which store forwarding serves from store_head's plain stores.
        const __m512i head = detail::load_bytes_512<M * sizeof(T)>(p);
        constexpr auto mask = static_cast<unsigned>((1ull << M) - 1);
        if constexpr (sizeof(T) == 4)
            return _mm512_mask_mov_ps(fill, static_cast<__mmask16>(mask), _mm512_castsi512_ps(head));
        else
            return _mm512_mask_mov_pd(fill, static_cast<__mmask8>(mask), _mm512_castsi512_pd(head));
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
#if defined(__AVX512F__)
    if constexpr (width<T> * sizeof(T) == 64) {
        static_assert(M > 0 && M < width<T>, "load_head is for partial batches");
        const __m512i head = detail::load_bytes_512<M * sizeof(T)>(p);  // zero beyond the M elements
        if constexpr (sizeof(T) == 4) return _mm512_castsi512_ps(head);
        else return _mm512_castsi512_pd(head);
    }
#endif
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
    if constexpr (width<T> * sizeof(T) == 64) {
        if constexpr (sizeof(T) == 4) detail::store_bytes_512<M * sizeof(T)>(p, _mm512_castps_si512(b));
        else detail::store_bytes_512<M * sizeof(T)>(p, _mm512_castpd_si512(b));
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

/// The first M ≤ width elements at p as a batch (the other lanes zero): a whole batch when M is the
/// width, else load_head; and the reverse, store_part.
template <std::size_t M, scalar T>
TYPEGRAD_ALWAYS_INLINE inline batch<T> load_part(const T* p) noexcept {
    if constexpr (M == width<T>) return batch<T>::load_unaligned(p);
    else return load_head<M>(p);
}
template <std::size_t M, scalar T>
TYPEGRAD_ALWAYS_INLINE inline void store_part(T* p, batch<T> b) noexcept {
    if constexpr (M == width<T>) b.store_unaligned(p);
    else store_head<M>(p, b);
}

}  // namespace typegrad::simd
