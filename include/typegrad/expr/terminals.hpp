// The leaves of expressions: variables (var<I>, with x_ = var<0> and y_ = var<1>), compile-time
// literals (lit<V>, whose values simplification can see) and run-time constants (constant{v}).
#pragma once

#include <cstddef>

#include <typegrad/expr/node.hpp>

namespace typegrad::expr {

/// A number known at compile time; d(literal) is literal<0.0>, and arithmetic on literals folds.
template <double V>
struct literal : node<literal<V>> {
    static constexpr double value = V;
    static constexpr std::size_t arity = 0;

    template <class T, std::size_t N>
    constexpr T eval(const std::array<T, N>&) const { return detail::lift<T>(V); }
    template <std::size_t I>
    constexpr auto diff() const { return literal<0.0>{}; }
};

using zero_t = literal<0.0>;
using one_t = literal<1.0>;

/// The independent variable bound to the I-th value of an evaluation.
template <std::size_t I>
struct variable : node<variable<I>> {
    static constexpr std::size_t index = I;
    static constexpr std::size_t arity = I + 1;

    template <class T, std::size_t N>
    constexpr T eval(const std::array<T, N>& values) const { return values[I]; }
    template <std::size_t J>
    constexpr auto diff() const {
        if constexpr (I == J) return one_t{};
        else return zero_t{};
    }
};

/// A number known only at run time (x_ * 3 holds constant{3.0}); a structural type all the same.
struct constant : node<constant> {
    static constexpr std::size_t arity = 0;
    double value;

    constexpr explicit constant(double v) : value(v) {}

    template <class T, std::size_t N>
    constexpr T eval(const std::array<T, N>&) const { return detail::lift<T>(value); }
    template <std::size_t I>
    constexpr auto diff() const { return zero_t{}; }
};

template <std::size_t I>
inline constexpr variable<I> var{};
inline constexpr variable<0> x_{};
inline constexpr variable<1> y_{};
template <double V>
inline constexpr literal<V> lit{};

template <class E>
inline constexpr bool is_literal = false;
template <double V>
inline constexpr bool is_literal<literal<V>> = true;

/// True when E is a literal equal to v, the test behind every simplification.
template <class E>
constexpr bool is_literal_of(double v) {
    if constexpr (is_literal<E>) return E::value == v;
    else return false;
}

template <expression E>
constexpr E as_expression(E e) { return e; }
template <number T>
constexpr constant as_expression(T v) { return constant(static_cast<double>(v)); }

}  // namespace typegrad::expr

namespace typegrad {
using expr::constant;
using expr::lit;
using expr::var;
using expr::x_;
using expr::y_;
}  // namespace typegrad
