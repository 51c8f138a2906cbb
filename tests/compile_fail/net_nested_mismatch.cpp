// A shape error inside a block names the layer's index within the block and both sizes on its first
// line, and the block a few lines below.
// expect-early: shape_mismatch<typegrad::layer_index<1>, typegrad::expects<5>, typegrad::got<6> >
// expect: layer input size does not match the previous layer's output size
// expect: typegrad::detail::block<typegrad::residual<typegrad::dense<8, 6>, typegrad::dense<5, 8> >
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 8>, tg::residual<tg::dense<8, 6>, tg::dense<5, 8>>, tg::dense<8, 1>>;
static_assert(net::out_size == 1);
