// A regression head (chapter 回歸問題): the last layer is one neuron with no activation, so the
// output is any real number. A 1 -> 32 -> 32 -> 1 tanh network learns y = sin(2x) on [-1.5, 1.5]
// with per-sample SGD; the loss is printed per epoch and the fit is written to regression_head.csv
// (plotted by docs/plots/regression_head.py).
#include <cmath>
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<1, 32>, tg::tanh, tg::dense<32, 32>, tg::tanh, tg::dense<32, 1>, tg::identity>;

int main() {
    tg::params<net> p = tg::init<net>(/*seed=*/1);
    tg::params<net> grad;
    tg::workspace<net> ws;  // reused for every sample: no allocation in the loop
    const tg::sgd sgd{0.02};
    const tg::mse loss{};    // Σ (ŷ - y)², the seed's L2 loss

    constexpr int samples = 64;
    auto x_of = [](int i) { return -1.5f + 3.0f * float(i) / (samples - 1); };
    tg::rng order{7};
    float first = 0, last = 0;
    for (int epoch = 1; epoch <= 500; ++epoch) {
        float total = 0;
        for (int k = 0; k < samples; ++k) {
            const float x = x_of(int(order.next() % samples));
            grad = {};
            total += tg::value_and_grad<net>(p, tg::vec<float, 1>{x}, tg::vec<float, 1>{std::sin(2 * x)}, loss,
                                             grad, ws);
            sgd.step(p, grad);
        }
        if (epoch == 1) first = total / samples;
        last = total / samples;
        if (epoch == 1 || epoch % 100 == 0) std::printf("epoch %3d  mean squared error %.6f\n", epoch, total / samples);
    }

    std::FILE* csv = std::fopen("regression_head.csv", "w");
    if (!csv) return 1;
    std::fprintf(csv, "x,target,prediction\n");
    for (int i = 0; i < samples; ++i)
        std::fprintf(csv, "%g,%g,%g\n", x_of(i), std::sin(2 * x_of(i)),
                     tg::forward<net>(p, tg::vec<float, 1>{x_of(i)})[0]);
    std::fclose(csv);
    std::printf("wrote regression_head.csv\n");
    return last < 0.02f * first ? 0 : 1;  // the example fails if it stops learning
}
