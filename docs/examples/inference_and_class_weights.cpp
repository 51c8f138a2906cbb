// Inference, inspection and class weights: tg::summary prints the network's layers; tg::fit trains it
// on three clusters, one of them rare (a twentieth as many samples as each other one), once plainly
// and once with class weights against the imbalance; tg::predict gives the outputs for a whole test
// set at once, on the batch path and split over threads, and each class's recall is counted from them.
#include <array>
#include <cstdio>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 3>>;

// n samples of clusters around (0, 1), (-1, -1) and (1, -1), wide enough to overlap; class 2 keeps
// one sample in rare_every.
tg::dataset<float, 2> clusters(std::size_t n, std::size_t rare_every, std::uint64_t seed) {
    const float centres[3][2] = {{0, 1}, {-1, -1}, {1, -1}};
    tg::rng noise{seed};
    tg::dataset<float, 2> set;
    set.classes = 3;
    for (std::size_t k = 0; set.size() < n; ++k) {
        const std::size_t label = k % 3;
        if (label == 2 && k / 3 % rare_every != 0) continue;
        const float dx = float(noise.uniform(-1.2, 1.2)), dy = float(noise.uniform(-1.2, 1.2));
        set.push_back({centres[label][0] + dx, centres[label][1] + dy}, label);
    }
    return set;
}

// Of the test samples of each class, the fraction whose largest output is at their label.
std::array<double, 3> recall(const tg::params<net>& p, const tg::dataset<float, 2>& test) {
    const std::vector<tg::vec<float, 3>> outputs = tg::predict<net>(p, test, {.batch_size = 64});
    std::array<double, 3> right{}, all{};
    for (std::size_t i = 0; i < test.size(); ++i) {
        const std::size_t label = test.targets[i];
        right[label] += tg::zero_one::predicted_class(outputs[i]) == label;
        ++all[label];
    }
    return {right[0] / all[0], right[1] / all[1], right[2] / all[2]};
}

int main() {
    tg::summary<net>();

    const auto train = clusters(1000, 20, 1);
    const auto test = clusters(3000, 1, 2);  // balanced
    const tg::fit_options options{.epochs = 30, .batch_size = 32, .seed = 3, .threads = 1, .report = tg::progress::none};

    // Weigh each class by the inverse of its frequency, as scikit-learn's class_weight='balanced' does.
    std::array<double, 3> count{};
    for (std::size_t label : train.targets) ++count[label];
    const tg::class_weights inverse_frequency{train.size() / (3 * count[0]), train.size() / (3 * count[1]),
                                              train.size() / (3 * count[2])};
    std::printf("\nclass counts %.0f %.0f %.0f, weights %.3f %.3f %.3f\n", count[0], count[1], count[2],
                inverse_frequency.values()[0], inverse_frequency.values()[1], inverse_frequency.values()[2]);

    for (const bool weighted : {false, true}) {
        auto p = tg::init<net>(/*seed=*/4);
        tg::adam opt{0.01};
        const tg::softmax_cross_entropy loss{.weight = weighted ? inverse_frequency : tg::class_weights{}};
        tg::fit<net>(p, train, loss, opt, options);
        const auto r = recall(p, test);
        std::printf("%-8s recall per class: %.3f %.3f %.3f   test accuracy %.3f\n", weighted ? "weighted" : "plain",
                    r[0], r[1], r[2], tg::accuracy<net>(p, test));
    }
}
