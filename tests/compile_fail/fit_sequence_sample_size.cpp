// A sequence network's sample is steps rows of its in_size values: 30 values are not rows of 4.
// expect: the data set's sample size must be a multiple of the network's in_size
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::gru<4, 3>, tg::last_step, tg::dense<3, 2>>;

void train(tg::params<net>& p, const tg::dataset<float, 30>& data) {
    tg::sgd opt{0.1};
    tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt);
}
