// Dropout and batch normalisation on the seed's blue and red points (blue when 3x − y > 0 and
// −3x + 2y + 3 > 0). First, the points in other units (100·x + 300): a plain relu network trained
// with sgd stalls or blows up as the scale grows, the same network with batch_norm after its first
// layer learns the same at every scale. Then a network with both layers is trained with tg::fit, and
// the two modes are shown side by side: training-mode outputs are random (dropout) and depend on the
// rest of the batch (batch_norm), inference outputs are neither; the mean of many training-mode
// outputs is the inference output; the running statistics are those of the data. Fails unless each
// of these holds.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using plain = tg::sequential<tg::dense<2, 32>, tg::relu, tg::dense<32, 32>, tg::relu, tg::dense<32, 2>>;
using normalised = tg::sequential<tg::dense<2, 32>, tg::batch_norm, tg::relu, tg::dense<32, 32>, tg::relu,
                                  tg::dense<32, 2>>;
using net = tg::sequential<tg::dense<2, 32>, tg::batch_norm, tg::relu, tg::dense<32, 32>, tg::relu, tg::dropout<80>,
                           tg::dense<32, 2>>;

// The seed's points in a box that holds its three examples, written as scale·coordinate + 3·scale.
tg::dataset<float, 2> points(std::size_t n, std::uint64_t seed, float scale = 1) {
    tg::rng r{seed};
    tg::dataset<float, 2> set;
    set.classes = 2;
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = float(r.uniform(-4, 6)), y = float(r.uniform(-6, 10));
        const bool blue = 3 * x - y > 0 && -3 * x + 2 * y + 3 > 0;
        set.push_back({scale * x + 3 * scale, scale * y + 3 * scale}, blue ? 1 : 0);
    }
    return set;
}

// Test accuracy after 40 epochs of sgd, or -1 when training stops on a non-finite loss.
template <class Net>
double trained_accuracy(float scale) {
    const auto train = points(2000, 1, scale), test = points(1000, 2, scale);
    auto p = tg::init<Net>(3);
    tg::sgd opt{0.05};
    try {
        tg::fit<Net>(p, train, tg::softmax_cross_entropy{}, opt,
                     {.epochs = 40, .batch_size = 128, .seed = 4, .report = tg::progress::none});
    } catch (const tg::training_error& e) {
        std::printf("    (%s)\n", e.what());
        return -1;
    }
    return tg::accuracy<Net>(p, test);
}

int main() {
    bool ok = true;
    auto expect = [&](bool holds, const char* what) {
        if (!holds) std::printf("FAILED: %s\n", what);
        ok = ok && holds;
    };

    std::printf("1. Input scale, sgd(0.05), 40 epochs of batches of 128: test accuracy\n");
    for (float scale : {1.f, 10.f, 100.f}) {
        const double without = trained_accuracy<plain>(scale), with = trained_accuracy<normalised>(scale);
        std::printf("   scale %5g: without batch_norm %s%.4f, with batch_norm %.4f\n", scale, without < 0 ? "(stopped) " : "",
                    std::max(without, 0.0), with);
        expect(with >= 0.94 && with >= without + 0.02, "batch_norm learns at every input scale, better than without");
    }

    std::printf("\n2. Training with dropout<80> and batch_norm (adam, 30 epochs of batches of 64)\n");
    const auto train = points(4000, 5), test = points(1000, 6);
    auto p = tg::init<net>(7);
    tg::adam opt{0.003};
    tg::fit<net>(p, train, tg::softmax_cross_entropy{}, opt, {.epochs = 30, .batch_size = 64, .seed = 8, .report = tg::progress::none},
                 [&](const tg::epoch_report& e) {
                     if (e.epoch % 5 == 0)
                         std::printf("   epoch %2zu: loss %.4f, accuracy while training %.4f, at inference %.4f (test set)\n",
                                     e.epoch, e.loss, e.accuracy, tg::accuracy<net>(p, test));
                 });
    const double accuracy = tg::accuracy<net>(p, test);
    std::printf("   The training-mode accuracy is lower: dropout removes a fifth of the last hidden layer,\n"
                "   and each batch is normalised with its own statistics.\n");
    expect(accuracy >= 0.97, "the network with dropout and batch_norm reaches 97% on held-out points");

    std::printf("\n3. One sample (the seed's (4, 0)) on the per-sample path\n");
    const tg::vec<float, 2> x{4 + 3, 0 + 3};
    const auto inferred = tg::forward<net>(p, x);
    std::printf("   inference, twice:        (%.4f, %.4f) and (%.4f, %.4f)\n", inferred[0], inferred[1],
                tg::forward<net>(p, x)[0], tg::forward<net>(p, x)[1]);
    tg::workspace<net> ws;  // its dropout generator moves on with every training-mode pass
    const auto once = tg::forward<net>(p, x, ws, tg::mode::training);
    const auto twice = tg::forward<net>(p, x, ws, tg::mode::training);
    std::printf("   training mode, twice:    (%.4f, %.4f) and (%.4f, %.4f)\n", once[0], once[1], twice[0], twice[1]);
    constexpr int draws = 20000;
    double mean[2] = {0, 0};
    for (int i = 0; i < draws; ++i) {
        const auto y = tg::forward<net>(p, x, ws, tg::mode::training);
        for (int k = 0; k < 2; ++k) mean[k] += y[k] / draws;
    }
    std::printf("   mean of %d training-mode outputs: (%.4f, %.4f): kept units are scaled by 100/80, so on\n"
                "   average a unit passes what it passes at inference, and the last layer is linear\n",
                draws, mean[0], mean[1]);
    expect(!(once == twice), "training-mode outputs differ from pass to pass");
    for (int k = 0; k < 2; ++k)
        expect(std::abs(mean[k] - inferred[k]) <= 0.02 * std::max(1.0f, std::abs(inferred[k])),
               "the mean training-mode output is the inference output");

    std::printf("\n4. The same sample in two different batches, on the batch path\n");
    tg::batch_workspace<net> a(64), b(64);
    for (std::size_t r = 1; r < 64; ++r) {
        a.set_input(r, test.inputs[r]);
        b.set_input(r, test.inputs[100 + r]);
    }
    a.set_input(0, x);
    b.set_input(0, x);
    for (tg::mode m : {tg::mode::training, tg::mode::inference}) {
        const tg::batch_info info{m, /*key=*/42};  // the same dropout masks in both batches
        tg::forward_batch<net>(p, a, 64, info);
        tg::forward_batch<net>(p, b, 64, info);
        const bool same = std::equal(a.output(0), a.output(0) + 2, b.output(0));
        std::printf("   %-9s: (%.4f, %.4f) in batch A, (%.4f, %.4f) in batch B\n",
                    m == tg::mode::training ? "training" : "inference", a.output(0)[0], a.output(0)[1], b.output(0)[0],
                    b.output(0)[1]);
        expect(same == (m == tg::mode::inference), "only a training-mode output depends on its batch");
    }

    std::printf("\n5. batch_norm's running statistics against the first layer's outputs over the training set\n");
    double worst = 0;
    const auto& bn = tg::get<1>(p);
    for (std::size_t j = 0; j < 32; ++j) {
        double sum = 0, squares = 0;
        for (const auto& input : train.inputs) {
            const double z = tg::get<0>(p).W(j, 0) * input[0] + tg::get<0>(p).W(j, 1) * input[1] + tg::get<0>(p).b[j];
            sum += z;
            squares += z * z;
        }
        const double n = double(train.size()), m = sum / n, v = (squares - n * m * m) / (n - 1);
        if (j < 3)
            std::printf("   unit %zu: running mean %8.4f, data mean %8.4f; running variance %8.4f, data variance %8.4f\n", j,
                        bn.running_mean[j], m, bn.running_var[j], v);
        worst = std::max({worst, std::abs(bn.running_mean[j] - m) / std::sqrt(v), std::abs(bn.running_var[j] / v - 1)});
    }
    std::printf("   largest gap over the 32 units: %.3f (in standard deviations, or as a variance ratio)\n", worst);
    std::printf("   (%lld batches tracked; with momentum 0.1 the last ten or so weigh most: the gap is their noise)\n",
                static_cast<long long>(bn.num_batches_tracked));
    expect(worst <= 0.15, "the running statistics are those of the data");

    tg::save(p, "dropout_batch_norm.safetensors");
    const auto q = tg::load<net>("dropout_batch_norm.safetensors");
    std::printf("\n6. Saved and loaded (with \"1.running_mean\", \"1.running_var\", \"1.num_batches_tracked\"):\n"
                "   test accuracy %.4f before, %.4f after\n", accuracy, tg::accuracy<net>(q, test));
    expect(tg::accuracy<net>(q, test) == accuracy, "the loaded network infers as the saved one");
    return ok ? 0 : 1;
}
