// The first layer must state the network's input size; an activation cannot.
// expect-early: first_layer_without_in_size<typegrad::relu>
// expect: the first layer must state its input size
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::relu, tg::dense<2, 1>>;
static_assert(net::out_size == 1);
