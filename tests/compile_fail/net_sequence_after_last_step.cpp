// A sequence layer after tg::last_step, where a sequence is one row, is rejected with a message naming
// the layer.
// expect: sequence_layer_after_last_step<typegrad::layer_index<3>
// expect: a sequence layer cannot follow tg::last_step
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::conv1d<1, 8, 3>, tg::tanh, tg::last_step, tg::conv1d<8, 2, 2>>;

int main() {
    tg::stream<net> s;
    return s.step(tg::init<net>(1), tg::vec<float, 1>{1.0f})[0] > 0;
}
