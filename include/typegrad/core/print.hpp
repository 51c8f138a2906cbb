// operator<< for tg::vec, tg::mat and tg::panel_mat, as NumPy prints arrays: a vec as
// [1, 2.5, -3], a matrix one row a line, [[1, 2],\n [3, 4]]. Elements follow the stream's own number format (precision, fixed, scientific).
#pragma once

#include <cstddef>
#include <ostream>

#include <typegrad/core/mat.hpp>
#include <typegrad/core/panel_mat.hpp>
#include <typegrad/core/vec.hpp>

namespace typegrad {
namespace detail {

template <scalar T>
std::ostream& print_row(std::ostream& out, const T* row, std::size_t n) {
    out << '[';
    for (std::size_t i = 0; i < n; ++i) out << (i ? ", " : "") << row[i];
    return out << ']';
}

}  // namespace detail

template <scalar T, std::size_t N>
std::ostream& operator<<(std::ostream& out, const vec<T, N>& v) {
    return detail::print_row(out, v.data(), N);
}

template <scalar T, std::size_t R, std::size_t C>
std::ostream& operator<<(std::ostream& out, const mat<T, R, C>& m) {
    out << '[';
    for (std::size_t r = 0; r < R; ++r) detail::print_row(out << (r ? ",\n " : ""), m.row(r), C);
    return out << ']';
}

template <scalar T, std::size_t R, std::size_t C>
std::ostream& operator<<(std::ostream& out, const panel_mat<T, R, C>& m) {
    out << '[';
    for (std::size_t r = 0; r < R; ++r) {
        T row[C];
        for (std::size_t c = 0; c < C; ++c) row[c] = m(r, c);
        detail::print_row(out << (r ? ",\n " : ""), row, C);
    }
    return out << ']';
}

}  // namespace typegrad
