#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

int main() {
    tg::vec<float, 2> w{3, -2};
    tg::vec<float, 2> x{6, 5};
    return w[0] * x[0] + w[1] * x[1] == 8 ? 0 : 1;  // the seed's linear neuron
}
