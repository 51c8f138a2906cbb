// A dense layer after a conv1d of 8 channels that expects 4 inputs is rejected where the network is
// declared, and the first line of the error names the layer index and both sizes.
// expect-early: shape_mismatch<typegrad::layer_index<2>, typegrad::expects<4>, typegrad::got<8> >
// expect: layer input size does not match the previous layer's output size
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::conv1d<1, 8, 3>, tg::tanh, tg::dense<4, 1>>;
static_assert(net::out_size == 1);
