// A classification head (chapter 分類問題): the last layer has one neuron per class and softmax
// turns its scores into probabilities. Training uses the fused softmax_cross_entropy on the scores
// (logits); at inference the softmax layer gives the probabilities. First the notes' softmax of
// [1, 2, 5, 3, 4], then a 2 -> 16 -> 3 network learning three clusters of points.
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using scores = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 3>>;                // trained
using probabilities = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 3>, tg::softmax>;  // served

int main() {
    // The notes' example: softmax([1, 2, 5, 3, 4]); index 2 (the "cat") is the most likely class.
    using just_softmax = tg::sequential<tg::dense<5, 5>, tg::softmax>;
    tg::params<just_softmax, double> identity_weights{};
    for (std::size_t i = 0; i < 5; ++i) tg::get<0>(identity_weights).W(i, i) = 1;
    const auto y = tg::forward<just_softmax>(identity_weights, tg::vec<double, 5>{1, 2, 5, 3, 4});
    std::printf("softmax([1, 2, 5, 3, 4]) = [%.6f, %.6f, %.6f, %.6f, %.6f]\n", y[0], y[1], y[2], y[3], y[4]);

    // Three clusters around (0, 1), (-1, -1) and (1, -1), with labels 0, 1, 2.
    const float centres[3][2] = {{0, 1}, {-1, -1}, {1, -1}};
    tg::rng noise{3};
    auto sample = [&](std::size_t label) {
        return tg::vec<float, 2>{centres[label][0] + float(noise.uniform(-0.6, 0.6)),
                                 centres[label][1] + float(noise.uniform(-0.6, 0.6))};
    };

    tg::params<scores> p = tg::init<scores>(/*seed=*/5);
    tg::params<scores> grad;
    tg::workspace<scores> ws;
    const tg::sgd sgd{0.05};
    for (int epoch = 1; epoch <= 20; ++epoch) {
        float total = 0;
        for (std::size_t k = 0; k < 90; ++k) {
            grad = {};
            total += tg::value_and_grad<scores>(p, sample(k % 3), k % 3, tg::softmax_cross_entropy{}, grad, ws);
            sgd.step(p, grad);
        }
        if (epoch % 5 == 0) std::printf("epoch %2d  mean cross-entropy %.4f\n", epoch, total / 90);
    }

    // The same weights in the network that ends in softmax: layers 0 and 2 are shared.
    tg::params<probabilities> served{};
    tg::get<0>(served) = tg::get<0>(p);
    tg::get<2>(served) = tg::get<2>(p);
    std::size_t correct = 0;
    for (std::size_t k = 0; k < 300; ++k) {
        const auto prob = tg::forward<probabilities>(served, sample(k % 3));
        std::size_t best = 0;
        for (std::size_t c = 1; c < 3; ++c) best = prob[c] > prob[best] ? c : best;
        correct += best == k % 3;
    }
    const auto at_top = tg::forward<probabilities>(served, tg::vec<float, 2>{0, 1});
    std::printf("p(class | (0, 1)) = [%.3f, %.3f, %.3f]\n", at_top[0], at_top[1], at_top[2]);
    std::printf("accuracy on 300 new points: %zu / 300\n", correct);
    return correct >= 280 ? 0 : 1;
}
