// A mini-batch training loop written by hand, two ways: value_and_grad_batch with
// tg::grad_mode::assign (the gradient is overwritten each batch, so it is never zeroed) followed by
// opt.step, and tg::sgd_step_batch, which makes the same SGD step with no gradient stored. A
// 2 -> 32 -> 32 -> 1 tanh network learns y = sin(3·x0)·x1 on [-1, 1]² at batch 32; the two runs
// start from the same parameters and must stay together.
#include <cmath>
#include <cstdio>
#include <memory>
#include <span>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 32>, tg::tanh, tg::dense<32, 32>, tg::tanh, tg::dense<32, 1>>;

int main() {
    constexpr std::size_t n = 4096, batch = 32;
    std::vector<tg::vec<float, 2>> xs(n);
    std::vector<tg::vec<float, 1>> ys(n);
    tg::rng r{7};
    for (std::size_t i = 0; i < n; ++i) {
        xs[i] = {float(r.uniform(-1, 1)), float(r.uniform(-1, 1))};
        ys[i] = {std::sin(3 * xs[i][0]) * xs[i][1]};
    }

    tg::params<net> a = tg::init<net>(/*seed=*/2), b = a;
    auto grad = std::make_unique<tg::params<net>>();  // large networks' params do not fit a stack
    tg::batch_workspace<net> ws(batch);                // the batch's matrices, allocated once
    const tg::sgd sgd{0.05};

    double first = 0, last = 0;
    for (int epoch = 1; epoch <= 30; ++epoch) {
        double loss_a = 0, loss_b = 0;
        for (std::size_t at = 0; at < n; at += batch) {
            const auto x = std::span(xs).subspan(at, batch);
            const auto y = std::span(ys).subspan(at, batch);
            loss_a += tg::value_and_grad_batch<net>(a, ws, x, y, tg::mse{}, *grad, {tg::mode::training},
                                                    tg::grad_mode::assign);
            sgd.step(a, *grad);
            loss_b += tg::sgd_step_batch<net>(b, ws, x, y, tg::mse{}, sgd);
        }
        if (epoch == 1) first = loss_a / n;
        last = loss_a / n;
        if (epoch == 1 || epoch % 5 == 0)
            std::printf("epoch %2d  mean squared error %.5f (value_and_grad_batch + step)  %.5f (sgd_step_batch)\n",
                        epoch, loss_a / n, loss_b / n);
    }

    double apart = 0;  // the two ways differ only by rounding
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& u, const auto& v) {
            for (std::size_t i = 0; i < u.size(); ++i) apart = std::max(apart, double(std::abs(u.data()[i] - v.data()[i])));
        },
        a, b);
    std::printf("largest difference between the two runs' parameters: %.2g\n", apart);
    return last < 0.2 * first && apart < 1e-3 ? 0 : 1;  // the example fails if it stops learning or they part
}
