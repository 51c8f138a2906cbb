// A network whose first layer leaves its input size to the layer before it, with no layer before
// it and no tg::input<N>, names the layer and says how to state the size.
// expect-early: first_layer_without_in_size<typegrad::dense<16> >
// expect: or the list start with tg::input<In>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<16>, tg::relu, tg::dense<1>>;
static_assert(net::out_size == 1);
