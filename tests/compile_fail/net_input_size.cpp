// forward given a 3-vector for a network that takes 2 inputs: the error names both sizes.
// expect-early: input_size_mismatch<typegrad::expects<2>, typegrad::got<3> >
// expect: the input vector's size is not the network's in_size
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 1>>;

float run(const tg::params<net>& p) {
    return tg::forward<net>(p, tg::vec<float, 3>{1, 2, 3})[0];
}
