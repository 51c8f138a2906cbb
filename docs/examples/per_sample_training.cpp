// The fast paths for one sample at a time: tg::sgd_step trains (forward, loss, backward and the SGD
// update in one pass, no gradient stored), and tg::inference_params runs the trained network
// (dense layers keep Wᵀ, which suits a single input vector). A 2 -> 16 -> 16 -> 1 relu network
// learns y = x0·x1 on [-1, 1]²; the loss is printed per epoch, then a few predictions.
#include <cmath>
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 16>, tg::relu, tg::dense<16, 1>>;

int main() {
    tg::params<net> p = tg::init<net>(/*seed=*/1);
    tg::workspace<net> ws;  // reused for every sample
    const tg::sgd sgd{0.01};
    tg::rng r{3};

    float first = 0, last = 0;
    for (int epoch = 1; epoch <= 40; ++epoch) {
        float total = 0;
        for (int k = 0; k < 1000; ++k) {
            const tg::vec<float, 2> x{float(r.uniform(-1, 1)), float(r.uniform(-1, 1))};
            const tg::vec<float, 1> y{x[0] * x[1]};
            total += tg::sgd_step<net>(p, x, y, tg::mse{}, sgd, ws);  // p ← p - 0.01·∂L/∂p
        }
        if (epoch == 1) first = total / 1000;
        last = total / 1000;
        if (epoch == 1 || epoch % 10 == 0) std::printf("epoch %2d  mean squared error %.5f\n", epoch, total / 1000);
    }

    const tg::inference_params<net> trained(p);  // a copy laid out for inference
    bool same = true;
    for (float x0 : {-0.8f, 0.3f, 0.9f}) {
        const tg::vec<float, 2> x{x0, 0.5f};
        const float y = tg::forward<net>(trained, x)[0];
        same = same && std::abs(y - tg::forward<net>(p, x)[0]) < 1e-5f;
        std::printf("x = (%4.1f, 0.5): %7.4f  (x0·x1 = %7.4f)\n", x0, y, x0 * 0.5f);
    }
    return same && last < 0.2f * first ? 0 : 1;  // the example fails if it stops learning
}
