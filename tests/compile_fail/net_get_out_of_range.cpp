// get<I> counts every layer (activations too) from 0; asking for layer 5 of a 3-layer network
// names the index and the layer count.
// expect-early: layer_index_out_of_range<typegrad::layer_index<5>, typegrad::layer_count<3> >
// expect: the network has no layer I
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 1>>;

void set(tg::params<net>& p) {
    tg::get<5>(p).W(0, 0) = 1;
}
