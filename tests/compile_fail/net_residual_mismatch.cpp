// A residual block whose layers end at 4 outputs while its input has 8 cannot form x + f(x); the
// first line of the error names the block and both sizes.
// expect-early: residual_shape_mismatch<typegrad::residual<typegrad::dense<8, 4> >, typegrad::expects<8>, typegrad::got<4> >
// expect: the block's layers must end at its input size
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 8>, tg::relu, tg::residual<tg::dense<8, 4>>, tg::dense<8, 1>>;
static_assert(net::out_size == 1);
