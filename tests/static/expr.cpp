// Compile-time tests of expressions: simplification results as types, structural types as template
// arguments, constant-expression evaluation and derivatives, arity and the expression concept.
#include <array>
#include <type_traits>

#include <typegrad/expr.hpp>

namespace tg = typegrad;
namespace ex = typegrad::expr;
using std::is_same_v;

using x_t = ex::variable<0>;
using y_t = ex::variable<1>;

// The example, and d(x_ * 3, x_) is a constant type.
static_assert(tg::d(tg::pow<2>(tg::x_), tg::x_)(3.0) == 6.0);
static_assert(is_same_v<decltype(tg::d(tg::x_ * 3, tg::x_)), tg::constant>);
static_assert(tg::d(tg::x_ * 3, tg::x_)(100.0) == 3.0);

// Trivial terms vanish: 0·e → 0, 1·e → e, e + 0 → e, d(constant) = 0, literals fold.
static_assert(is_same_v<decltype(tg::d(tg::lit<3.0> * tg::x_, tg::x_)), ex::literal<3.0>>);
static_assert(is_same_v<decltype(tg::d(tg::x_ + 5, tg::x_)), ex::one_t>);
static_assert(is_same_v<decltype(tg::d(tg::y_, tg::x_)), ex::zero_t>);
static_assert(is_same_v<decltype(tg::d(tg::constant(4.0), tg::x_)), ex::zero_t>);
static_assert(is_same_v<decltype(tg::d(tg::x_ * tg::y_, tg::x_)), y_t>);
static_assert(is_same_v<decltype(tg::d(tg::x_ * tg::y_, tg::y_)), x_t>);
static_assert(is_same_v<decltype(tg::d(tg::x_ / 4, tg::x_)), ex::binary<ex::divide_op, ex::one_t, tg::constant>>);
static_assert(is_same_v<decltype(tg::x_ + tg::lit<0.0>), x_t>);
static_assert(is_same_v<decltype(tg::lit<0.0> * tg::exp(tg::x_)), ex::zero_t>);
static_assert(is_same_v<decltype(tg::lit<2.0> * tg::lit<3.0> - tg::lit<1.0>), ex::literal<5.0>>);
static_assert(is_same_v<decltype(-(-tg::x_)), x_t>);
static_assert(is_same_v<decltype(tg::pow<1>(tg::x_)), x_t>);
static_assert(is_same_v<decltype(tg::pow<0>(tg::x_)), ex::one_t>);
static_assert(is_same_v<decltype(tg::d(tg::pow<2>(tg::x_), tg::x_)), ex::binary<ex::multiply_op, ex::literal<2.0>, x_t>>);
static_assert(is_same_v<decltype(tg::d(tg::d(tg::pow<2>(tg::x_), tg::x_), tg::x_)), ex::literal<2.0>>);
static_assert(is_same_v<decltype(tg::d(tg::d(tg::d(tg::pow<2>(tg::x_), tg::x_), tg::x_), tg::x_)), ex::zero_t>);
static_assert(is_same_v<decltype(tg::d(ex::sign(tg::x_), tg::x_)), ex::zero_t>);
static_assert(is_same_v<decltype(tg::d(ex::relu(tg::x_), tg::x_)), ex::unary<ex::heaviside_op, x_t>>);
static_assert(is_same_v<decltype(tg::d(tg::abs(tg::x_), tg::x_)), ex::unary<ex::sign_op, x_t>>);

// sigmoid' = s(1 - s) and tanh' = 1 - t², written in terms of the function's value.
using s_t = ex::unary<ex::sigmoid_op, x_t>;
using t_t = ex::unary<ex::tanh_op, x_t>;
static_assert(is_same_v<decltype(tg::d(ex::sigmoid(tg::x_), tg::x_)),
                        ex::binary<ex::multiply_op, s_t, ex::binary<ex::subtract_op, ex::one_t, s_t>>>);
static_assert(is_same_v<decltype(tg::d(ex::tanh(tg::x_), tg::x_)),
                        ex::binary<ex::subtract_op, ex::one_t, ex::unary<ex::pow_op<2>, t_t>>>);

// Higher derivatives: d³(x⁵) = 60x², d⁵(x⁵) = 120, exactly, at compile time.
constexpr auto quintic = tg::pow<5>(tg::x_);
static_assert(tg::d(tg::d(tg::d(quintic, tg::x_), tg::x_), tg::x_)(2.0) == 240.0);
static_assert(is_same_v<decltype(tg::d(tg::d(tg::d(tg::d(tg::d(quintic, tg::x_), tg::x_), tg::x_), tg::x_), tg::x_)),
                        ex::literal<120.0>>);

// Expressions are structural: usable as template arguments, with run-time constants inside.
template <auto E>
struct holder {
    static constexpr auto expression = E;
};
using swish = holder<tg::x_ * ex::sigmoid(tg::x_)>;
static_assert(tg::expression<decltype(swish::expression)>);
static_assert(swish::expression(0.0) == 0.0);
static_assert(!is_same_v<holder<tg::x_ * 3>, holder<tg::x_ * 3.5>>);
static_assert(is_same_v<holder<tg::x_ * 3>, holder<tg::x_ * 3.0>>);
static_assert(holder<tg::x_ * 3.5>::expression(2.0) == 7.0);
static_assert(holder<tg::d(tg::pow<3>(tg::x_ - 1), tg::x_)>::expression(3.0) == 12.0);

// Constant-expression evaluation of polynomials, relu, sign, abs, heaviside, min and max.
constexpr auto poly = 3 * tg::pow<3>(tg::x_) - 2 * tg::x_ + 1;
static_assert(poly(2.0) == 21.0 && poly(2.0f) == 21.0f && tg::d(poly, tg::x_)(2.0) == 34.0);
static_assert(ex::relu(tg::x_)(-2.0) == 0.0 && ex::relu(tg::x_)(2.5) == 2.5);
static_assert(ex::sign(tg::x_)(-2.0) == -1.0 && ex::sign(tg::x_)(0.0) == 0.0 && ex::sign(tg::x_)(3.0) == 1.0);
static_assert(tg::abs(tg::x_)(-2.5) == 2.5 && tg::d(tg::abs(tg::x_), tg::x_)(-2.5) == -1.0);
static_assert(tg::heaviside(tg::x_)(0.0) == 0.0 && tg::heaviside(tg::x_)(1e-300) == 1.0);
static_assert(tg::min(tg::x_, tg::y_)(1.0, 2.0) == 1.0 && tg::max(tg::x_, tg::y_)(1.0, 2.0) == 2.0);
static_assert(tg::d(tg::min(tg::x_, tg::y_), tg::x_)(1.0, 2.0) == 1.0 && tg::d(tg::min(tg::x_, tg::y_), tg::y_)(1.0, 2.0) == 0.0);
static_assert(tg::d(tg::max(tg::x_, 0), tg::x_)(-1.0) == 0.0 && tg::d(tg::max(tg::x_, 0), tg::x_)(1.0) == 1.0);
static_assert(tg::pow<-2>(tg::x_)(2.0) == 0.25 && tg::d(tg::pow<-2>(tg::x_), tg::x_)(2.0) == -0.25);
static_assert((tg::x_ * tg::y_ + 2)(3.0, 4.0) == 14.0 && (2.0 + tg::x_ / tg::y_)(3.0, 4.0) == 2.75);
static_assert(tg::var<2>(1.0, 2.0, 7.0) == 7.0);

// The seed's partial derivative example: f = x² + x + y³ + y² + z³ + z² + z + 1, ∂f/∂z = 3z² + 2z + 1.
constexpr auto x = tg::x_;
constexpr auto y = tg::y_;
constexpr auto z = tg::var<2>;
constexpr auto f = tg::pow<2>(x) + x + tg::pow<3>(y) + tg::pow<2>(y) + tg::pow<3>(z) + tg::pow<2>(z) + z + 1;
static_assert(tg::d(f, z)(5.0, 6.0, 2.0) == 3 * 4 + 2 * 2 + 1);
static_assert(tg::d(f, x)(5.0, 6.0, 2.0) == 11.0);

// gradient(e, v...) evaluates several partials at once.
static_assert(tg::gradient(tg::pow<2>(x), x)(10.0) == std::array{20.0});
static_assert(tg::gradient(x * y + y, x, y)(3.0, 4.0) == std::array{4.0, 4.0});

// Arity is the number of leading values an evaluation needs; evaluation keeps the value type.
static_assert((tg::x_ + tg::y_).arity == 2 && tg::var<5>.arity == 6 && tg::lit<1.0>.arity == 0);
static_assert(is_same_v<decltype(tg::x_(1.0f)), float> && is_same_v<decltype((tg::x_ * 2)(1.0)), double>);
static_assert(tg::expression<x_t> && tg::expression<tg::constant> && tg::expression<decltype(f)>);
static_assert(!tg::expression<double> && !tg::expression<int> && !ex::evaluable<int>);
