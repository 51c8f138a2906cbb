// The seed notes' two-line network (chapter 多層神經元): two sign neurons draw the lines 3x - y = 0
// and -3x + 2y + 3 = 0, and an output sign neuron says where both agree. The network is evaluated
// by the compiler (static_assert) and again at run time.
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

// L1 = sign(W1·x + b1), output = sign(W2·L1 + b2): 2 -> 2 -> 1.
using two_lines = tg::sequential<tg::dense<2, 2>, tg::sign, tg::dense<2, 1>, tg::sign>;

constexpr tg::params<two_lines> seed_params = [] {
    tg::params<two_lines> p{};
    tg::get<0>(p).W = {3, -1,   // neuron 1: 3x - y
                       -3, 2};  // neuron 2: -3x + 2y + 3
    tg::get<0>(p).b = {0, 3};
    tg::get<2>(p).W = {1, 1};   // get<2>: layer 1 is the sign activation, as in nn.Sequential
    tg::get<2>(p).b = {0};
    return p;
}();

// The compiler runs the network: blue at (4, 8), not blue at (4, 0), -1 at (-2, -5).
static_assert(tg::forward<two_lines>(seed_params, tg::vec<float, 2>{4, 8})[0] == 1);
static_assert(tg::forward<two_lines>(seed_params, tg::vec<float, 2>{4, 0})[0] == 0);
static_assert(tg::forward<two_lines>(seed_params, tg::vec<float, 2>{-2, -5})[0] == -1);

int main() {
    tg::workspace<two_lines> ws;  // keeps every layer's output, so the hidden layer can be printed
    for (const auto& x : {tg::vec<float, 2>{4, 8}, tg::vec<float, 2>{4, 0}, tg::vec<float, 2>{-2, -5}}) {
        const float out = tg::forward<two_lines>(seed_params, x, ws, tg::mode::inference)[0];
        const auto& hidden = tg::get<1>(ws).y;
        std::printf("(%2g, %2g): hidden = [%2g, %2g], output = %2g%s\n", x[0], x[1], hidden[0], hidden[1], out,
                    out == 1 ? "  (blue)" : "");
    }
}
