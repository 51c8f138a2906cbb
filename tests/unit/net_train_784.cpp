// The contract network of DESIGN.md, 784-256-128-10 with relu, trained per sample with
// softmax_cross_entropy and sgd on a synthetic task (the class is the brightest of ten stripes):
// the loss falls and the samples become correctly classified. This is also the translation unit
// whose compile time is budgeted (under 20 s at -O2).
#include <boost/test/unit_test.hpp>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

BOOST_AUTO_TEST_SUITE(net_train_784)

using mlp = tg::sequential<tg::dense<784, 256>, tg::relu, tg::dense<256, 128>, tg::relu, tg::dense<128, 10>>;

// Sample k: noise everywhere, and stripe (k % 10) of the image (rows 0-77, 78-155, ...) brighter.
tg::vec<float, 784> sample(std::size_t k, std::size_t label) {
    tg::rng r{k};
    tg::vec<float, 784> x;
    for (std::size_t i = 0; i < 784; ++i) x[i] = static_cast<float>(r.uniform(0, 0.5) + (i / 78 == label ? 0.5 : 0));
    return x;
}

BOOST_AUTO_TEST_CASE(sgd_learns_a_synthetic_task) {
    static tg::params<mlp> p = tg::init<mlp>(42);
    static tg::params<mlp> grad;
    static tg::workspace<mlp> ws;
    const tg::sgd opt{0.01};

    auto epoch_loss = [&](bool train) {
        float total = 0;
        for (std::size_t k = 0; k < 50; ++k) {
            const auto x = sample(k, k % 10);
            if (train) {
                grad = {};
                total += tg::value_and_grad<mlp>(p, x, k % 10, tg::softmax_cross_entropy{}, grad, ws);
                opt.step(p, grad);
            } else {
                total += tg::softmax_cross_entropy{}.value(tg::forward<mlp>(p, x), k % 10);
            }
        }
        return total / 50;
    };
    const float before = epoch_loss(false);
    for (int e = 0; e < 5; ++e) epoch_loss(true);
    const float after = epoch_loss(false);
    BOOST_TEST(after < 0.5f * before, "mean loss " << before << " -> " << after);

    std::size_t correct = 0;
    for (std::size_t k = 100; k < 150; ++k) {
        const auto y = tg::forward<mlp>(p, sample(k, k % 10));
        std::size_t best = 0;
        for (std::size_t i = 1; i < 10; ++i) best = y[i] > y[best] ? i : best;
        correct += best == k % 10;
    }
    BOOST_TEST(correct >= 45u);
}

BOOST_AUTO_TEST_SUITE_END()
