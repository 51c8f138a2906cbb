// A chain whose layer 2 expects 8 inputs after a layer producing 16 is rejected where the network
// is declared, and the first line of the error names the layer index and both sizes.
// expect-early: shape_mismatch<typegrad::layer_index<2>, typegrad::expects<8>, typegrad::got<16> >
// expect: layer input size does not match the previous layer's output size
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<8, 1>>;
static_assert(net::out_size == 1);
