// From the seed's gradient descent to the optimizers frameworks use, on the seed's own problem: the
// line ŷ = w·x + b fitted to X = [1, 2, 3, 4], y = [5, 7, 9, 11] from w = b = 5 with the summed
// squared error (WORKED-EXAMPLES.md item 13). tg::sgd, tg::momentum (classical and Nesterov) and
// tg::adam each run until the gradient's norm is below 1e-6, as the seed's stopping rule says; the
// first steps, the step counts and the final (w, b) are printed, every step goes to optimizers.csv.
#include <cmath>
#include <cstdio>
#include <fstream>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

using line = tg::sequential<tg::dense<1, 1>>;  // ŷ = w·x + b: W is 1 x 1, b has one entry

constexpr double xs[] = {1, 2, 3, 4};
constexpr double ys[] = {5, 7, 9, 11};

// The seed's loss Σ (yᵢ − ŷᵢ)² and its gradient, summed over the four samples.
double loss_and_gradient(const tg::params<line, double>& p, tg::params<line, double>& grad) {
    grad = {};
    tg::workspace<line, double> ws;
    double loss = 0;
    for (int i = 0; i < 4; ++i)
        loss += tg::value_and_grad<line>(p, tg::vec<double, 1>{xs[i]}, tg::vec<double, 1>{ys[i]}, tg::mse{}, grad, ws);
    return loss;
}

// Runs one optimizer from w = b = 5 until ‖gradient‖ < 1e-6 or 5000 steps; true if it converged.
template <class Optimizer>
bool descend(const char* name, Optimizer opt, std::ofstream& csv) {
    tg::params<line, double> p{};
    tg::get<0>(p).W(0, 0) = 5;
    tg::get<0>(p).b[0] = 5;
    tg::params<line, double> grad;
    int step = 0;
    for (;; ++step) {
        const double loss = loss_and_gradient(p, grad);
        const double w = tg::get<0>(p).W(0, 0), b = tg::get<0>(p).b[0];
        csv << name << ',' << step << ',' << w << ',' << b << ',' << loss << '\n';
        if (step <= 2) std::printf("%-9s step %d: w = %.6f, b = %.6f, loss = %.6f\n", name, step, w, b, loss);
        if (std::hypot(tg::get<0>(grad).W(0, 0), tg::get<0>(grad).b[0]) < 1e-6 || step == 5000) break;
        opt.step(p, grad);
    }
    std::printf("%-9s %4d steps to w = %.6f, b = %.6f\n", name, step, tg::get<0>(p).W(0, 0), tg::get<0>(p).b[0]);
    return step < 5000;
}

}  // namespace

int main() {
    std::ofstream csv("optimizers.csv");
    csv.precision(12);
    csv << "optimizer,step,w,b,loss\n";

    bool converged = true;
    converged &= descend("sgd", tg::sgd{0.02}, csv);  // the seed's η = 0.02
    converged &= descend("momentum", tg::momentum{0.02, 0.7}, csv);
    converged &= descend("nesterov", tg::momentum{0.02, 0.7, /*nesterov=*/true}, csv);
    converged &= descend("adam", tg::adam{0.5}, csv);
    std::printf("wrote optimizers.csv\n");
    return converged ? 0 : 1;  // the example fails if an optimizer stops converging
}
