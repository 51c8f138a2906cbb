// tg::sgd_step_batch hands each layer its own parameters as the gradient to add into; a layer with
// parameters that does not declare it can take that (backward_batch_in_place) is a compile error
// naming the layer's index.
// expect: tg::sgd_step_batch: this layer has parameters but no
// expect: layer_not_updatable_in_place<typegrad::layer_index<2>
#include <typegrad/typegrad.hpp>

#include <span>

namespace tg = typegrad;

struct cautious_dense : tg::dense<8, 3> {
    static constexpr bool backward_batch_in_place = false;
};
using net = tg::sequential<tg::dense<4, 8>, tg::relu, cautious_dense>;

int main() {
    tg::params<net> p{};
    tg::batch_workspace<net> ws(2);
    const tg::vec<float, 4> x[2]{};
    const tg::vec<float, 3> y[2]{};
    tg::sgd_step_batch<net>(p, ws, std::span(x), std::span(y), tg::mse{}, tg::sgd{0.1});
}
