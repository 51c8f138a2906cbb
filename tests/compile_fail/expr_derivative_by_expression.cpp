// d(e, v) differentiates with respect to a variable only; an expression in v's place is rejected.
// expect: no matching function for call to
// expect: is not derived from
// expect: typegrad::expr::variable<I>
#include <typegrad/expr.hpp>

namespace tg = typegrad;

double f() { return tg::d(tg::pow<2>(tg::x_), tg::x_ * 2)(1.0); }
