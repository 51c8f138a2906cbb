// An epoch callback that returns bool: true could mean "stop" or "go on", so tg::fit wants
// tg::fit_control (or void) and says so.
// expect: tg::fit: the epoch callback must return void or tg::fit_control (go_on or stop)
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 2>>;

void train(tg::params<net>& p, const tg::dataset<float, 2>& data) {
    tg::sgd opt{0.1};
    tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt, {}, [](const tg::epoch_report&) { return true; });
}
