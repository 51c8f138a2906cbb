// An expression in x_ and y_ evaluated with one value: the static_assert names the rule.
// expect: an expression needs one value for each of var<0> ... var<N-1> it uses
#include <typegrad/expr.hpp>

namespace tg = typegrad;

double f() { return (tg::x_ * tg::y_)(2.0); }
