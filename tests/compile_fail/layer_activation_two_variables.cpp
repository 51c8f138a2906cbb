// activation<Expr> takes a function of one variable; an expression of x_ and y_ is rejected.
// expect: tg::activation<Expr>: Expr may use only one variable
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 2>, tg::activation<tg::x_ * tg::y_>>;
static_assert(net::out_size == 2);
