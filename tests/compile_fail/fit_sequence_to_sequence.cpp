// A network without tg::last_step maps a sequence to a sequence: its targets are vectors of one row per
// step, not class indices.
// expect: a sequence-to-sequence network's target is a tg::vec of steps × out_size values
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::gru<4, 3>, tg::dense<3, 2>>;

void train(tg::params<net>& p, const tg::dataset<float, 32>& data) {
    tg::sgd opt{0.1};
    tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt);
}
