// The seed notes' neurons (chapter 神經元): a linear neuron f(x) = wᵀx and the same neuron followed
// by the sign activation, each a one-layer network type.
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

// A neuron with two inputs and no bias: one dense layer, 2 inputs -> 1 output.
using linear_neuron = tg::sequential<tg::dense<2, 1>>;
// σ(wᵀx) with σ = sign: 1 if z > 0, 0 if z = 0, -1 if z < 0.
using sign_neuron = tg::sequential<tg::dense<2, 1>, tg::sign>;

int main() {
    tg::params<linear_neuron> linear{};
    tg::get<0>(linear).W = {3, -2};  // w = [3, -2]; the bias stays 0

    const tg::vec<float, 2> x{6, 5};
    std::printf("linear neuron: w = [3, -2], x = [6, 5], wTx = %g\n", tg::forward<linear_neuron>(linear, x)[0]);

    tg::params<sign_neuron> nonlinear{};
    tg::get<0>(nonlinear).W = {3, -2};
    for (const auto& input : {tg::vec<float, 2>{6, 5}, tg::vec<float, 2>{2, 3}, tg::vec<float, 2>{1, 3}}) {
        const float z = tg::forward<linear_neuron>(linear, input)[0];
        std::printf("sign neuron:   x = [%g, %g], z = %g, sign(z) = %g\n", input[0], input[1], z,
                    tg::forward<sign_neuron>(nonlinear, input)[0]);
    }
}
