// tg::fit trains a sequence network from sequence to label: one output row per sequence, after tg::last_step.
// expect: put tg::last_step after its last sequence layer
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::gru<4, 3>, tg::dense<3, 2>>;

void train(tg::params<net>& p, const tg::dataset<float, 32>& data) {
    tg::sgd opt{0.1};
    tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt);
}
