// Shared by the simd_*.cpp tests: deterministic inputs in exact-size heap arrays that start off
// the SIMD alignment (so ASan sees any access past the end and loads must be unaligned), a loop
// over the sizes under test, and the error bound a computed sum is held to.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include <boost/test/unit_test.hpp>

namespace simd_test {

/// n elements on the heap, starting one element past a 64-byte boundary and ending exactly at n.
template <class T>
struct array {
    explicit array(std::size_t n, std::uint32_t seed = 1) : storage(new T[n + 1]), size(n) {
        std::uint32_t s = seed * 2654435761u + 12345u;
        for (std::size_t i = 0; i < n; ++i) {
            s = s * 1664525u + 1013904223u;
            data()[i] = T(int(s >> 8) % 2001 - 1000) / T(997);  // in [-1, 1], some exact zeros
        }
    }
    T* data() { return storage.get() + 1; }
    T& operator[](std::size_t i) { return data()[i]; }
    std::unique_ptr<T[]> storage;
    std::size_t size;
};

/// Under AddressSanitizer, and in the passes at each x86-64 level (TYPEGRAD_TEST_FEWER_SIZES), the
/// kernel tests check fewer sizes and shapes, still every kind of tail of 4, 8 and 16 lanes: an
/// instrumented instantiation of a kernel takes seconds to compile, and the native build checks them all.
#if defined(__SANITIZE_ADDRESS__) || defined(TYPEGRAD_TEST_FEWER_SIZES)
inline constexpr bool fewer_sizes = true;
#else
inline constexpr bool fewer_sizes = false;
#endif

/// The sizes every vector kernel is tested at: 1..67, and two large ones. With fewer_sizes: 1..17 (each
/// remainder of a batch of floats or doubles, and one past a batch), then a few past several batches.
template <class F, std::size_t... I>
void for_sizes(F&& f, std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
}
template <std::size_t Lo, std::size_t... I>
constexpr std::index_sequence<Lo + I...> from(std::index_sequence<I...>) {
    return {};
}
template <class F>
void for_each_size(F&& f) {
    if constexpr (fewer_sizes) {
        for_sizes(f, from<1>(std::make_index_sequence<17>{}));
        for_sizes(f, std::index_sequence<31, 33, 48, 63, 67, 256, 784>{});
    } else {
        for_sizes(f, from<1>(std::make_index_sequence<67>{}));
        for_sizes(f, std::index_sequence<256, 784>{});
    }
}

/// Calls f(rows, cols) for each (R, C) in the shape list, as integral constants.
template <std::size_t R, std::size_t C>
struct shape {};
template <class F, std::size_t... R, std::size_t... C>
void for_each_shape(F&& f, shape<R, C>...) {
    (f(std::integral_constant<std::size_t, R>{}, std::integral_constant<std::size_t, C>{}), ...);
}

/// How far a sum of n products may stray from the exact one: n roundings of at most the sum of
/// the magnitudes, plus one for each fused or split multiply.
template <class T>
double bound(std::size_t n, double magnitude) {
    return double(std::numeric_limits<T>::epsilon()) * double(n + 2) * (magnitude + 1e-30);
}

/// One check, reported with the kernel, its sizes and the element; a plain function so that the
/// many kernel instantiations do not each expand Boost.Test's macros.
inline void expect(bool ok, const std::string& what, std::size_t index = 0) {
    BOOST_TEST(ok, what << " at element " << index);
}

/// The sum of term(i) over i < n in long double, and the sum of the terms' magnitudes (for close's bound).
template <class Term>
std::pair<long double, long double> exact_sum(std::size_t n, Term term) {
    long double sum = 0, magnitude = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const long double t = term(i);
        sum += t;
        magnitude += std::fabs(t);
    }
    return {sum, magnitude};
}

/// |got - exact| within the bound for a sum of n terms whose magnitudes add up to magnitude.
template <class T>
bool close(T got, long double exact, std::size_t n, long double magnitude) {
    return std::fabs(double(got - exact)) <= bound<T>(n, double(magnitude));
}

template <class T>
std::string name(const char* kernel, std::size_t n, std::size_t m = 0) {
    std::ostringstream out;
    out << kernel << '<' << n;
    if (m) out << ", " << m;
    out << (sizeof(T) == 4 ? ", float>" : ", double>");
    return out.str();
}

}  // namespace simd_test
