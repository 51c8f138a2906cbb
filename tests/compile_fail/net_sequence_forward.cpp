// A per-sample tg::forward on a network holding a sequence layer fails with a message pointing at the
// sequence API.
// expect: this network holds sequence layers
// expect: tg::stream<Net, T>
// expect: tg::forward_sequence
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::conv1d<1, 8, 3>, tg::tanh, tg::dense<8, 1>>;

int main() {
    const auto p = tg::init<net>(1);
    return tg::forward<net>(p, tg::vec<float, 1>{0.5f})[0] > 0;
}
