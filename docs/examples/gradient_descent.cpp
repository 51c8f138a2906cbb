// The seed's gradient-descent chapter written with typegrad expressions. One variable: loss = x²
// from x = 10, without a learning rate (η = 1, it oscillates) and with η = 0.8 and η = 0.1. Two
// variables: the line ŷ = w·x + b fitted to X = [1, 2, 3, 4], y = [5, 7, 9, 11] from w = b = 5.
// Every gradient comes from tg::d. Writes gradient_descent_1d.csv and gradient_descent_2d.csv.
#include <array>
#include <cstdio>
#include <fstream>

#include <typegrad/expr.hpp>
#include <typegrad/optim/gradient_descent.hpp>

namespace tg = typegrad;

namespace {

void one_variable() {
    constexpr auto loss = tg::pow<2>(tg::x_);        // loss = x²
    constexpr auto slope = tg::d(loss, tg::x_);      // f'(x) = 2x, an expression type
    static_assert(slope(10.0) == 20.0);

    std::ofstream csv("gradient_descent_1d.csv");
    csv.precision(10);
    csv << "learning_rate,step,x,loss\n";
    for (double eta : {1.0, 0.8, 0.1}) {
        const auto result = tg::gradient_descent(
            tg::gradient(loss, tg::x_), std::array{10.0},
            {.learning_rate = eta, .gradient_tolerance = 1e-3, .max_iterations = 50},
            [&](const auto& step) {
                csv << eta << ',' << step.step << ',' << step.point[0] << ',' << loss(step.point[0]) << '\n';
                if (step.step <= 3) std::printf("eta = %.1f, step %zu: x = %g\n", eta, step.step, step.point[0]);
            });
        std::printf("eta = %.1f: %s after %zu steps at x = %.3g\n", eta, tg::to_string(result.reason),
                    result.steps, result.point[0]);
    }
}

void two_variables() {
    constexpr auto w = tg::var<0>;
    constexpr auto b = tg::var<1>;
    constexpr auto x = tg::var<2>;                   // one sample's input ...
    constexpr auto y = tg::var<3>;                   // ... and its label
    constexpr auto sample_loss = tg::pow<2>(y - (w * x + b));     // (yᵢ − ŷᵢ)², ŷᵢ = w·xᵢ + b
    constexpr auto sample_gradient = tg::gradient(sample_loss, w, b);  // (∂/∂w, ∂/∂b) from d
    constexpr std::array<double, 4> xs{1, 2, 3, 4};
    constexpr std::array<double, 4> ys{5, 7, 9, 11};

    // The loss is a sum over the samples, and so is its gradient.
    auto loss = [&](double wv, double bv) {
        double sum = 0;
        for (std::size_t i = 0; i < xs.size(); ++i) sum += sample_loss(wv, bv, xs[i], ys[i]);
        return sum;
    };
    auto gradient = [&](double wv, double bv) {
        std::array<double, 2> g{};
        for (std::size_t i = 0; i < xs.size(); ++i) {
            const auto gi = sample_gradient(wv, bv, xs[i], ys[i]);
            g[0] += gi[0];
            g[1] += gi[1];
        }
        return g;
    };

    const auto start = gradient(5, 5);
    std::printf("gradient at w = 5, b = 5: (%g, %g)\n", start[0], start[1]);

    std::ofstream csv("gradient_descent_2d.csv");
    csv.precision(10);
    csv << "step,w,b,loss,gradient_w,gradient_b\n";
    const auto result = tg::gradient_descent(
        gradient, std::array{5.0, 5.0},
        {.learning_rate = 0.02, .gradient_tolerance = 1e-6, .max_iterations = 10000},
        [&](const auto& step) {
            csv << step.step << ',' << step.point[0] << ',' << step.point[1] << ',' << loss(step.point[0], step.point[1])
                << ',' << step.gradient[0] << ',' << step.gradient[1] << '\n';
        });
    std::printf("w, b: %s after %zu steps at w = %.6f, b = %.6f\n", tg::to_string(result.reason),
                result.steps, result.point[0], result.point[1]);
}

}  // namespace

int main() {
    one_variable();
    two_variables();
}
