// The functions of expressions: exp, log, pow<N>, sqrt, tanh, sigmoid, relu, sign, abs, heaviside,
// min and max, each with its derivative rule. sigmoid' is written s(1 - s) and tanh' 1 - t², in
// terms of the function's own value. Batches use xsimd's functions, found by argument-dependent lookup.
#pragma once

#include <cmath>

#include <typegrad/expr/arithmetic.hpp>

namespace typegrad::expr {

template <expression A>
constexpr expression auto exp(A a);
template <expression A>
constexpr expression auto sqrt(A a);
template <expression A>
constexpr expression auto tanh(A a);
template <expression A>
constexpr expression auto sigmoid(A a);
template <expression A>
constexpr expression auto sign(A a);
template <expression A>
constexpr expression auto heaviside(A a);
template <int N, expression A>
constexpr expression auto pow(A a);

struct exp_op {
    template <class T>
    static constexpr T apply(T x) {
        if constexpr (std::floating_point<T>) return std::exp(x);
        else return exp(x);
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return exp(a) * da; }
};
struct log_op {
    template <class T>
    static constexpr T apply(T x) {
        if constexpr (std::floating_point<T>) return std::log(x);
        else return log(x);
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return da / a; }
};
struct sqrt_op {
    template <class T>
    static constexpr T apply(T x) {
        if constexpr (std::floating_point<T>) return std::sqrt(x);
        else return sqrt(x);
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return da / (lit<2.0> * sqrt(a)); }
};
struct tanh_op {
    template <class T>
    static constexpr T apply(T x) {
        if constexpr (std::floating_point<T>) return std::tanh(x);
        else return tanh(x);
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return (lit<1.0> - pow<2>(tanh(a))) * da; }
};
struct sigmoid_op {
    template <class T>
    static constexpr T apply(T x) {
        const T one = detail::lift<T>(1);
        return one / (one + exp_op::apply(-x));
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return sigmoid(a) * (lit<1.0> - sigmoid(a)) * da; }
};
/// max(x, 0); its derivative is heaviside(x) (0 at the kink).
struct relu_op {
    template <class T>
    static constexpr T apply(T x) {
        const T zero = detail::lift<T>(0);
        return detail::choose(x > zero, x, zero);
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return heaviside(a) * da; }
};
/// 1 where x > 0, 0 where x == 0, -1 where x < 0.
struct sign_op {
    template <class T>
    static constexpr T apply(T x) {
        const T zero = detail::lift<T>(0);
        return detail::choose(x > zero, detail::lift<T>(1), detail::choose(x < zero, detail::lift<T>(-1), zero));
    }
    template <class A, class DA>
    static constexpr auto diff(A, DA) { return zero_t{}; }
};
/// 1 where x > 0, else 0: the derivative of relu.
struct heaviside_op {
    template <class T>
    static constexpr T apply(T x) {
        const T zero = detail::lift<T>(0);
        return detail::choose(x > zero, detail::lift<T>(1), zero);
    }
    template <class A, class DA>
    static constexpr auto diff(A, DA) { return zero_t{}; }
};
struct abs_op {
    template <class T>
    static constexpr T apply(T x) {
        if constexpr (std::floating_point<T>) return x < 0 ? -x : x;
        else return abs(x);
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return sign(a) * da; }
};
/// x^N by N multiplications (1 / x^-N for negative N), so it is exact and constexpr.
template <int N>
struct pow_op {
    template <class T>
    static constexpr T apply(T x) {
        T result = detail::lift<T>(1);
        for (int i = 0; i < (N < 0 ? -N : N); ++i) result = result * x;
        if constexpr (N < 0) return detail::lift<T>(1) / result;
        else return result;
    }
    template <class A, class DA>
    static constexpr auto diff(A a, DA da) { return lit<double(N)> * pow<N - 1>(a) * da; }
};
/// The derivative follows the chosen argument: heaviside(b - a) is 1 where a < b (ties take b).
struct min_op {
    template <class T>
    static constexpr T apply(T x, T y) {
        if constexpr (std::floating_point<T>) return x < y ? x : y;
        else return min(x, y);
    }
    template <class A, class B, class DA, class DB>
    static constexpr auto diff(A a, B b, DA da, DB db) {
        return heaviside(b - a) * da + (lit<1.0> - heaviside(b - a)) * db;
    }
};
struct max_op {
    template <class T>
    static constexpr T apply(T x, T y) {
        if constexpr (std::floating_point<T>) return x > y ? x : y;
        else return max(x, y);
    }
    template <class A, class B, class DA, class DB>
    static constexpr auto diff(A a, B b, DA da, DB db) {
        return heaviside(a - b) * da + (lit<1.0> - heaviside(a - b)) * db;
    }
};

template <expression A>
constexpr expression auto exp(A a) { return unary<exp_op, A>(a); }
template <expression A>
constexpr expression auto log(A a) { return unary<log_op, A>(a); }
template <expression A>
constexpr expression auto sqrt(A a) { return unary<sqrt_op, A>(a); }
template <expression A>
constexpr expression auto tanh(A a) { return unary<tanh_op, A>(a); }
template <expression A>
constexpr expression auto sigmoid(A a) { return unary<sigmoid_op, A>(a); }
template <expression A>
constexpr expression auto relu(A a) { return unary<relu_op, A>(a); }
template <expression A>
constexpr expression auto sign(A a) { return unary<sign_op, A>(a); }
template <expression A>
constexpr expression auto heaviside(A a) { return unary<heaviside_op, A>(a); }
template <expression A>
constexpr expression auto abs(A a) { return unary<abs_op, A>(a); }

/// a^N for an integer N; pow<1>(a) is a and pow<0>(a) is the literal 1.
template <int N, expression A>
constexpr expression auto pow(A a) {
    if constexpr (N == 0) return one_t{};
    else if constexpr (N == 1) return a;
    else return unary<pow_op<N>, A>(a);
}

template <class A, class B>
    requires operands<A, B>
constexpr expression auto min(A a, B b) {
    return binary<min_op, decltype(as_expression(a)), decltype(as_expression(b))>(as_expression(a), as_expression(b));
}
template <class A, class B>
    requires operands<A, B>
constexpr expression auto max(A a, B b) {
    return binary<max_op, decltype(as_expression(a)), decltype(as_expression(b))>(as_expression(a), as_expression(b));
}

}  // namespace typegrad::expr

// typegrad::sign, sigmoid, relu and tanh name the activation layers; their expression forms are
// typegrad::expr::sigmoid etc., and an unqualified sigmoid(tg::x_) finds them by argument-dependent lookup.
namespace typegrad {
using expr::abs;
using expr::exp;
using expr::heaviside;
using expr::log;
using expr::max;
using expr::min;
using expr::pow;
using expr::sqrt;
}  // namespace typegrad
