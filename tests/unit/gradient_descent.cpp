// The seed's gradient-descent chapter (WORKED-EXAMPLES items 12 and 13) with gradients from tg::d:
// loss = x² with and without a learning rate, and the line ŷ = w·x + b fitted to four points.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <string_view>
#include <vector>

#include <typegrad/expr.hpp>
#include <typegrad/optim/gradient_descent.hpp>

namespace tg = typegrad;

namespace {

constexpr auto loss_1d = tg::pow<2>(tg::x_);  // loss = x², f'(x) = 2x from d

// Runs loss = x² from x = 10 and returns every x visited.
std::vector<double> trajectory(tg::gradient_descent_options options) {
    std::vector<double> xs;
    tg::gradient_descent(tg::gradient(loss_1d, tg::x_), std::array{10.0}, options,
                         [&](const auto& step) { xs.push_back(step.point[0]); });
    return xs;
}

// Item 13: w = var<0>, b = var<1>, one sample's x = var<2> and y = var<3>.
constexpr auto w = tg::var<0>;
constexpr auto b = tg::var<1>;
constexpr auto sample_loss = tg::pow<2>(tg::var<3> - (w * tg::var<2> + b));  // (yᵢ − ŷᵢ)²
constexpr std::array<double, 4> xs{1, 2, 3, 4};
constexpr std::array<double, 4> ys{5, 7, 9, 11};

// ∂loss/∂w and ∂loss/∂b: the sum over the samples of d(sample_loss, w) and d(sample_loss, b).
std::array<double, 2> line_gradient(double w_value, double b_value) {
    const auto partials = tg::gradient(sample_loss, w, b);
    std::array<double, 2> g{};
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const auto gi = partials(w_value, b_value, xs[i], ys[i]);
        g[0] += gi[0];
        g[1] += gi[1];
    }
    return g;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gradient_descent)

BOOST_AUTO_TEST_CASE(without_a_learning_rate_it_oscillates) {
    const auto xs_visited = trajectory({.learning_rate = 1.0, .gradient_tolerance = 1e-6, .max_iterations = 4});
    BOOST_TEST(xs_visited == (std::vector<double>{10, -10, 10, -10, 10}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(learning_rate_0_8_gives_the_seed_numbers) {
    const auto xs_visited = trajectory({.learning_rate = 0.8, .gradient_tolerance = 1e-6, .max_iterations = 3});
    BOOST_TEST_REQUIRE(xs_visited.size() == 4u);
    BOOST_TEST(xs_visited[0] == 10.0);
    BOOST_TEST(std::abs(xs_visited[1] - -6.0) < 1e-12);  // 0.8 is not exact in binary
    BOOST_TEST(std::abs(xs_visited[2] - 3.6) < 1e-12);
    BOOST_TEST(std::abs(xs_visited[3] - -2.16) < 1e-12);
}

BOOST_AUTO_TEST_CASE(reports_the_iteration_cap) {
    const auto r = tg::gradient_descent(tg::gradient(loss_1d, tg::x_), std::array{10.0},
                                        {.learning_rate = 1.0, .gradient_tolerance = 1e-6, .max_iterations = 7});
    BOOST_TEST((r.reason == tg::stop_reason::max_iterations));
    BOOST_TEST(r.steps == 7u);
    BOOST_TEST(r.point[0] == -10.0);
    BOOST_TEST(r.gradient[0] == -20.0);

    const auto none = tg::gradient_descent(tg::gradient(loss_1d, tg::x_), std::array{10.0}, {.max_iterations = 0});
    BOOST_TEST((none.reason == tg::stop_reason::max_iterations));
    BOOST_TEST(none.steps == 0u);
    BOOST_TEST(none.point[0] == 10.0);
}

BOOST_AUTO_TEST_CASE(reports_convergence_on_the_gradient_norm) {
    // x_k = 10·(-0.6)^k, so |f'(x_k)| = 20·0.6^k first drops below 1e-6 at k = 33.
    const auto r = tg::gradient_descent(tg::gradient(loss_1d, tg::x_), std::array{10.0},
                                        {.learning_rate = 0.8, .gradient_tolerance = 1e-6, .max_iterations = 1000});
    BOOST_TEST((r.reason == tg::stop_reason::converged));
    BOOST_TEST(r.steps == 33u);
    BOOST_TEST(std::abs(r.gradient[0]) < 1e-6);
    BOOST_TEST(std::abs(r.gradient[0]) > 0.6e-6);
    BOOST_TEST(r.gradient[0] == 2 * r.point[0]);
}

BOOST_AUTO_TEST_CASE(reports_a_diverging_run) {
    // η = 1.5: x ← x − 3x = −2x exactly, so f'(x) = 20·(−2)^k first overflows at k = 1020.
    const auto r = tg::gradient_descent(tg::gradient(loss_1d, tg::x_), std::array{10.0},
                                        {.learning_rate = 1.5, .gradient_tolerance = 1e-6, .max_iterations = 5000});
    BOOST_TEST((r.reason == tg::stop_reason::not_finite));
    BOOST_TEST(std::string_view(tg::to_string(r.reason)) == "not_finite");
    BOOST_TEST(r.steps == 1020u);
    BOOST_TEST(std::isfinite(r.point[0]));
}

BOOST_AUTO_TEST_CASE(works_in_float) {
    const auto r = tg::gradient_descent(tg::gradient(loss_1d, tg::x_), std::array{10.0f},
                                        {.learning_rate = 0.8, .gradient_tolerance = 1e-3, .max_iterations = 100});
    BOOST_TEST((r.reason == tg::stop_reason::converged));
    BOOST_TEST(std::abs(r.point[0]) < 5e-4f);
}

BOOST_AUTO_TEST_CASE(the_gradient_at_the_start_is_220_76) {
    const auto g = line_gradient(5, 5);
    BOOST_TEST(g[0] == 220.0);
    BOOST_TEST(g[1] == 76.0);
    // The same numbers from the seed's hand-written formulas: -2 Σ xᵢ(yᵢ − ŷᵢ), -2 Σ (yᵢ − ŷᵢ).
    double gw = 0, gb = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double residual = ys[i] - (5 * xs[i] + 5);
        gw += -2 * xs[i] * residual;
        gb += -2 * residual;
    }
    BOOST_TEST(g[0] == gw);
    BOOST_TEST(g[1] == gb);
}

BOOST_AUTO_TEST_CASE(two_variables_converge_to_w_2_b_3) {
    std::size_t calls = 0;
    const auto r = tg::gradient_descent(line_gradient, std::array{5.0, 5.0},
                                        {.learning_rate = 0.02, .gradient_tolerance = 1e-6, .max_iterations = 10000},
                                        [&](const auto& step) {
                                            BOOST_TEST(step.step == calls);
                                            ++calls;
                                        });
    BOOST_TEST((r.reason == tg::stop_reason::converged));
    BOOST_TEST(calls == r.steps + 1);
    BOOST_TEST(std::abs(r.point[0] - 2.0) < 1e-4);
    BOOST_TEST(std::abs(r.point[1] - 3.0) < 1e-4);
    BOOST_TEST(std::hypot(r.gradient[0], r.gradient[1]) < 1e-6);
}

BOOST_AUTO_TEST_SUITE_END()
