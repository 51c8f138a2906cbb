// Every optimizer minimises convex problems: the seed's line fit (WORKED-EXAMPLES.md item 13, as in
// docs/examples/optimizers.cpp) to the seed's stopping rule within a stated number of steps, and a
// 5 → 3 linear regression in float with the mean squared error to below a stated loss.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>
#include <string_view>
#include <vector>

#include <typegrad/layers/dense.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/net/backward.hpp>
#include <typegrad/net/init.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/optim/adam.hpp>
#include <typegrad/optim/momentum.hpp>
#include <typegrad/optim/sgd.hpp>

namespace tg = typegrad;

namespace {

using line = tg::sequential<tg::dense<1, 1>>;

// Steps until ‖gradient‖ < 1e-6 on Σ (yᵢ − (w·xᵢ + b))² over X = [1, 2, 3, 4], y = [5, 7, 9, 11]
// from w = b = 5, capped at 5000; p is left where it stopped.
template <class Optimizer>
int steps_to_converge(Optimizer opt, tg::params<line, double>& p) {
    const double xs[] = {1, 2, 3, 4}, ys[] = {5, 7, 9, 11};
    tg::get<0>(p).W = {5};
    tg::get<0>(p).b = {5};
    tg::params<line, double> grad;
    tg::workspace<line, double> ws;
    for (int step = 0; step < 5000; ++step) {
        grad = {};
        for (int i = 0; i < 4; ++i)
            tg::value_and_grad<line>(p, tg::vec<double, 1>{xs[i]}, tg::vec<double, 1>{ys[i]}, tg::mse{}, grad, ws);
        if (std::hypot(tg::get<0>(grad).W(0, 0), tg::get<0>(grad).b[0]) < 1e-6) return step;
        opt.step(p, grad);
    }
    return 5000;
}

// y = A·x + c for 64 inputs x in [-1, 1]⁵: a 5 → 3 linear network can fit it exactly.
using regression = tg::sequential<tg::dense<5, 3>>;

struct data_set {
    std::vector<tg::vec<float, 5>> x;
    std::vector<tg::vec<float, 3>> y;
};

data_set make_data() {
    std::mt19937 generator(3);
    std::uniform_real_distribution<float> u(-1, 1);
    const float a[3][5] = {{1, -2, 0.5f, 0, 3}, {-1, 0.25f, 2, -0.5f, 1}, {0.75f, 1, -1.5f, 2, -0.25f}};
    const float c[3] = {0.5f, -1, 2};
    data_set d;
    for (int i = 0; i < 64; ++i) {
        tg::vec<float, 5> x;
        for (auto& e : x) e = u(generator);
        tg::vec<float, 3> y;
        for (int r = 0; r < 3; ++r) {
            y[r] = c[r];
            for (int k = 0; k < 5; ++k) y[r] += a[r][k] * x[k];
        }
        d.x.push_back(x);
        d.y.push_back(y);
    }
    return d;
}

// The mean over the samples of the mean squared error over the outputs, and its gradient.
float loss_and_gradient(const tg::params<regression>& p, const data_set& d, tg::params<regression>& grad) {
    grad = {};
    tg::workspace<regression> ws;
    float loss = 0;
    for (std::size_t i = 0; i < d.x.size(); ++i)
        loss += tg::value_and_grad<regression>(p, d.x[i], d.y[i], tg::mse{.reduce = tg::reduction::mean}, grad, ws);
    const float inv_n = 1.0f / float(d.x.size());
    tg::for_each_tensor([&](std::size_t, std::string_view, auto& g) { for (auto& e : g) e *= inv_n; }, grad);
    return loss * inv_n;
}

// The loss after 300 updates from zero parameters.
template <class Optimizer>
float loss_after_300_steps(Optimizer opt) {
    static const data_set d = make_data();
    tg::params<regression> p{}, grad;
    for (int step = 0; step < 300; ++step) {
        loss_and_gradient(p, d, grad);
        opt.step(p, grad);
    }
    return loss_and_gradient(p, d, grad);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optim_convex)

// The step counts of docs/examples/optimizers.cpp: 575 (the seed's run), 121, 137 and 306.
BOOST_AUTO_TEST_CASE(every_optimizer_fits_the_line_of_the_notes) {
    struct run {
        int steps;
        int at_most;
    };
    tg::params<line, double> p;
    const run runs[] = {{steps_to_converge(tg::sgd{0.02}, p), 575},
                        {steps_to_converge(tg::momentum{0.02, 0.7}, p), 121},
                        {steps_to_converge(tg::momentum{0.02, 0.7, true}, p), 137},
                        {steps_to_converge(tg::adam{0.5}, p), 306}};
    for (const run& r : runs) BOOST_TEST(r.steps <= r.at_most);
    BOOST_TEST(runs[1].steps * 4 < runs[0].steps);  // momentum is more than 4 times faster here
    BOOST_TEST(std::abs(tg::get<0>(p).W(0, 0) - 2) < 1e-6);
    BOOST_TEST(std::abs(tg::get<0>(p).b[0] - 3) < 1e-6);
}

BOOST_AUTO_TEST_CASE(every_optimizer_fits_a_linear_regression_in_float) {
    const float sgd = loss_after_300_steps(tg::sgd{0.3});
    const float momentum = loss_after_300_steps(tg::momentum{0.1, 0.9});
    const float nesterov = loss_after_300_steps(tg::momentum{0.1, 0.9, true});
    const float adam = loss_after_300_steps(tg::adam{0.05});
    BOOST_TEST_MESSAGE("losses after 300 steps: sgd " << sgd << ", momentum " << momentum << ", nesterov " << nesterov
                                                       << ", adam " << adam);
    BOOST_TEST(sgd < 1e-9f);
    BOOST_TEST(momentum < 1e-9f);
    BOOST_TEST(nesterov < 1e-9f);
    BOOST_TEST(adam < 1e-9f);
}

BOOST_AUTO_TEST_SUITE_END()
