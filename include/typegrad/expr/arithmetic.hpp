// The generic unary and binary nodes, and +, -, *, / and negation on expressions. The operators
// simplify trivial terms as they build (0·e → 0, 1·e → e, e + 0 → e, literal arithmetic folds), so
// derivatives come out small. Numbers mix in: x_ * 3, 2.0 + x_.
#pragma once

#include <algorithm>
#include <cstddef>

#include <typegrad/expr/terminals.hpp>

namespace typegrad::expr {

/// Op(a): Op::apply evaluates it and Op::diff(a, da) gives its derivative from the child's.
template <class Op, expression A>
struct unary : node<unary<Op, A>> {
    static constexpr std::size_t arity = A::arity;
    A a;

    constexpr explicit unary(A arg) : a(arg) {}

    template <class T, std::size_t N>
    constexpr T eval(const std::array<T, N>& values) const { return Op::apply(a.eval(values)); }
    template <std::size_t I>
    constexpr auto diff() const { return Op::diff(a, a.template diff<I>()); }
};

/// Op(a, b): Op::apply evaluates it and Op::diff(a, b, da, db) gives its derivative.
template <class Op, expression A, expression B>
struct binary : node<binary<Op, A, B>> {
    static constexpr std::size_t arity = std::max(A::arity, B::arity);
    A a;
    B b;

    constexpr binary(A lhs, B rhs) : a(lhs), b(rhs) {}

    template <class T, std::size_t N>
    constexpr T eval(const std::array<T, N>& values) const { return Op::apply(a.eval(values), b.eval(values)); }
    template <std::size_t I>
    constexpr auto diff() const { return Op::diff(a, b, a.template diff<I>(), b.template diff<I>()); }
};

/// The operand pairs the arithmetic operators accept: at least one expression, the other a number.
template <class A, class B>
concept operands = (expression<A> && (expression<B> || number<B>)) || (number<A> && expression<B>);

struct negate_op {
    template <class T>
    static constexpr T apply(T x) { return -x; }
    template <class A, class DA>
    static constexpr auto diff(A, DA da) { return -da; }
};
struct add_op {
    template <class T>
    static constexpr T apply(T x, T y) { return x + y; }
    template <class A, class B, class DA, class DB>
    static constexpr auto diff(A, B, DA da, DB db) { return da + db; }
};
struct subtract_op {
    template <class T>
    static constexpr T apply(T x, T y) { return x - y; }
    template <class A, class B, class DA, class DB>
    static constexpr auto diff(A, B, DA da, DB db) { return da - db; }
};
struct multiply_op {
    template <class T>
    static constexpr T apply(T x, T y) { return x * y; }
    template <class A, class B, class DA, class DB>
    static constexpr auto diff(A a, B b, DA da, DB db) { return da * b + a * db; }
};
struct divide_op {
    template <class T>
    static constexpr T apply(T x, T y) { return x / y; }
    template <class A, class B, class DA, class DB>
    static constexpr auto diff(A a, B b, DA da, DB db) { return da / b - a * db / (b * b); }
};

template <class E>
inline constexpr bool is_negation = false;
template <class A>
inline constexpr bool is_negation<unary<negate_op, A>> = true;

template <expression A>
constexpr expression auto operator-(A a) {
    if constexpr (is_literal_of<A>(0)) return zero_t{};
    else if constexpr (is_literal<A>) return literal<-A::value>{};
    else if constexpr (is_negation<A>) return a.a;  // -(-e) is e
    else return unary<negate_op, A>(a);
}

template <class A, class B>
    requires operands<A, B>
constexpr expression auto operator+(A lhs, B rhs) {
    auto a = as_expression(lhs);
    auto b = as_expression(rhs);
    using L = decltype(a);
    using R = decltype(b);
    if constexpr (is_literal_of<L>(0)) return b;
    else if constexpr (is_literal_of<R>(0)) return a;
    else if constexpr (is_literal<L> && is_literal<R>) return literal<L::value + R::value>{};
    else return binary<add_op, L, R>(a, b);
}

template <class A, class B>
    requires operands<A, B>
constexpr expression auto operator-(A lhs, B rhs) {
    auto a = as_expression(lhs);
    auto b = as_expression(rhs);
    using L = decltype(a);
    using R = decltype(b);
    if constexpr (is_literal_of<R>(0)) return a;
    else if constexpr (is_literal_of<L>(0)) return -b;
    else if constexpr (is_literal<L> && is_literal<R>) return literal<L::value - R::value>{};
    else return binary<subtract_op, L, R>(a, b);
}

template <class A, class B>
    requires operands<A, B>
constexpr expression auto operator*(A lhs, B rhs) {
    auto a = as_expression(lhs);
    auto b = as_expression(rhs);
    using L = decltype(a);
    using R = decltype(b);
    if constexpr (is_literal_of<L>(0) || is_literal_of<R>(0)) return zero_t{};
    else if constexpr (is_literal_of<L>(1)) return b;
    else if constexpr (is_literal_of<R>(1)) return a;
    else if constexpr (is_literal<L> && is_literal<R>) return literal<L::value * R::value>{};
    else return binary<multiply_op, L, R>(a, b);
}

template <class A, class B>
    requires operands<A, B>
constexpr expression auto operator/(A lhs, B rhs) {
    auto a = as_expression(lhs);
    auto b = as_expression(rhs);
    using L = decltype(a);
    using R = decltype(b);
    if constexpr (is_literal_of<L>(0)) return zero_t{};
    else if constexpr (is_literal_of<R>(1)) return a;
    else if constexpr (is_literal<L> && is_literal<R>) {
        static_assert(R::value != 0, "division by the literal 0");
        return literal<L::value / R::value>{};
    } else return binary<divide_op, L, R>(a, b);
}

}  // namespace typegrad::expr
