// The seed's loss chapter (損失函數) with typegrad's losses: L1 and L2 as sums and as means, Huber,
// binary cross-entropy on logits, the 0/1 loss, and the negative log-likelihood of the softmax output, with the base-10 figures the notes
// print. Then why softmax_cross_entropy takes logits: it stays exact where probabilities underflow.
#include <cmath>
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

int main() {
    // Items 8 and 9: a network's output L_m against the true values y.
    const tg::vec<double, 4> out{0, 2, 5, 3}, y{3, 2, 3, 4};
    std::printf("L1  sum %g  mean %g\n", tg::mae{}.value(out, y), tg::mae{.reduce = tg::reduction::mean}.value(out, y));
    std::printf("L2  sum %g  mean %g\n", tg::mse{}.value(out, y), tg::mse{.reduce = tg::reduction::mean}.value(out, y));

    tg::vec<double, 4> grad;
    tg::mse{}.value_and_grad(out, y, grad);  // ∂/∂out Σ (out − y)² = 2(out − y)
    std::printf("L2 gradient  [%g, %g, %g, %g]\n", grad[0], grad[1], grad[2], grad[3]);

    // Huber (smooth L1): half of L2's square within Delta of the label, L1's slope beyond it.
    std::printf("Huber  Delta 1: %g  Delta 2: %g\n", tg::huber{}.value(out, y), tg::huber<2.0>{}.value(out, y));
    tg::huber{}.value_and_grad(out, y, grad);  // clamp(out − y, −1, 1)
    std::printf("Huber gradient  [%g, %g, %g, %g]\n", grad[0], grad[1], grad[2], grad[3]);

    // Binary cross-entropy on logits: two independent yes/no outputs, the first one yes.
    const tg::vec<double, 2> logits{2, -1}, yes_no{1, 0};
    std::printf("BCE on logits [2, -1], targets [1, 0]: %.6f\n", tg::bce_with_logits{}.value(logits, yes_no));

    // Item 10: labels y = [1, 0, 1]; a two-class output predicts the class with the larger score.
    const tg::vec<double, 2> scores[] = {{0.2, 0.8}, {0.3, 0.7}, {0.9, 0.1}};  // predicts 1, 1, 0
    const std::size_t labels[] = {1, 0, 1};
    double misclassified = 0;
    for (int i = 0; i < 3; ++i) {
        const double loss = tg::zero_one{}.value(scores[i], labels[i]);
        std::printf("0/1 sample %d: label %zu, predicted %zu, loss %g\n", i, labels[i],
                    tg::zero_one::predicted_class(scores[i]), loss);
        misclassified += loss;
    }
    std::printf("0/1 total %g\n", misclassified);

    // Item 11: softmax turns the scores into probabilities; nll is −ln p[label].
    using head = tg::sequential<tg::dense<5, 5>, tg::softmax>;
    tg::params<head, double> p{};
    for (std::size_t i = 0; i < 5; ++i) tg::get<0>(p).W(i, i) = 1;  // pass the scores through
    const auto probabilities = tg::forward<head>(p, tg::vec<double, 5>{1, 2, 5, 3, 4});
    for (std::size_t label : {2, 1})
        std::printf("label %zu: p = %.6f  -ln p = %.6f  -log10 p = %.6f\n", label, probabilities[label],
                    tg::nll{}.value(probabilities, label), tg::nll{}.value(probabilities, label) / std::log(10.0));
    // The notes' 0.197 and 1.508 are base-10 logarithms of the probabilities rounded to 0.636 and 0.031.
    std::printf("notes: -log10 0.636 = %.5f  -log10 0.031 = %.5f\n",
                tg::nll{}.value(tg::vec<double, 2>{0.636, 0.364}, 0) / std::log(10.0),
                tg::nll{}.value(tg::vec<double, 2>{0.969, 0.031}, 1) / std::log(10.0));

    // On logits, the fused loss stays exact where a probability underflows to 0 in float (e^-200),
    // and finite at logits of ±1e4; nll on the softmax output can only clamp.
    using logits_head = tg::sequential<tg::dense<2, 2>, tg::softmax>;
    tg::params<logits_head> pass{};
    for (std::size_t i = 0; i < 2; ++i) tg::get<0>(pass).W(i, i) = 1;
    for (const tg::vec<float, 2> logits : {tg::vec<float, 2>{0, -200}, tg::vec<float, 2>{1e4f, -1e4f}}) {
        const auto q = tg::forward<logits_head>(pass, logits);
        std::printf("logits [%g, %g], label 1: p = %g  softmax_cross_entropy %g  nll of softmax %g (clamped)\n",
                    logits[0], logits[1], q[1], tg::softmax_cross_entropy{}.value(logits, 1), tg::nll{}.value(q, 1));
    }
}
