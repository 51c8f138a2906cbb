// Batches that cover whole rows of a narrow row-major matrix (C elements a row, C dividing the
// width): the lane patterns that xsimd::swizzle and xsimd::select need to spread a row's factor over
// its C lanes, repeat a C-vector in every row, and gather a row's C lanes into one.
#pragma once

#include <cstddef>

#include <typegrad/simd/batch.hpp>

namespace typegrad::simd::detail {

/// The unsigned integers of T's size, in batches of the same architecture: swizzle masks.
template <scalar T>
using lane_index = xsimd::as_unsigned_integer_t<T>;
template <scalar T>
using lane_index_batch = xsimd::batch<lane_index<T>, typename batch<T>::arch_type>;

/// Lane l → l / C: the row of lane l, to spread row factors over their lanes.
template <class I, std::size_t C>
struct row_of_lane {
    static constexpr I get(I l, I) { return l / I(C); }
};

/// Lane l → l % C: the column of lane l, to repeat a vector of C in every row.
template <class I, std::size_t C>
struct column_of_lane {
    static constexpr I get(I l, I) { return l % I(C); }
};

/// Lane l → element Col of row l (mod width / C): moves each row's element Col to the row's own lane.
template <class I, std::size_t C, std::size_t Col>
struct element_of_row {
    static constexpr I get(I l, I n) { return (l % (n / I(C))) * I(C) + I(Col); }
};

/// The mask of the lanes l where Pred::get(l, width) holds, for xsimd::select. On AVX-512 it is made
/// from its bits, a constant: xsimd 8 converts a batch_bool_constant to a mask register lane by lane,
/// in a call on every use.
template <class B, class Pred>
inline typename B::batch_bool_type lanes_where() noexcept {
#if defined(__AVX512F__)
    if constexpr (sizeof(B) == 64) {
        constexpr auto bits = [] {
            unsigned m = 0;
            for (std::size_t l = 0; l < B::size; ++l)
                if (Pred::get(l, B::size)) m |= 1u << l;
            return m;
        }();
        return typename B::batch_bool_type(static_cast<typename B::batch_bool_type::register_type>(bits));
    }
#endif
    return xsimd::make_batch_bool_constant<B, Pred>();
}

/// True in lanes Block·(width / C) … (Block + 1)·(width / C) - 1.
template <std::size_t C, std::size_t Block>
struct in_block {
    static constexpr bool get(std::size_t l, std::size_t n) { return l / (n / C) == Block; }
};

}  // namespace typegrad::simd::detail
