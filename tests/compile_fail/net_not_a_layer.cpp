// A type that is not a tg::layer in the list is named with its index.
// expect-early: not_a_layer<typegrad::layer_index<1>, int>
// expect: this element is not a tg::layer
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 4>, int, tg::dense<4, 1>>;
static_assert(net::in_size == 2);
