// The training toolkit on the seed's blue and red points (docs/blue-red-points.md): 1. a learning-rate
// schedule that warms up over the first epoch's updates and then goes down a cosine; 2. an epoch
// callback that stops training; 3. a validation split with early stopping that restores the best
// epoch's parameters; 4. a loop written by hand that clips the gradient's global norm before each
// step of AdamW (decoupled weight decay). Fails unless each run's accuracy on held-out points is at least 98%.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 16>, tg::relu, tg::dense<16, 2>>;

// Blue (1) between the seed's two lines 3x − y = 0 and −3x + 2y + 3 = 0, red (0) elsewhere.
tg::dataset<float, 2> points(std::size_t n, std::uint64_t seed) {
    tg::rng r{seed};
    tg::dataset<float, 2> set;
    set.classes = 2;
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = float(r.uniform(-4, 6)), y = float(r.uniform(-6, 10));
        set.push_back({x, y}, 3 * x - y > 0 && -3 * x + 2 * y + 3 > 0 ? 1 : 0);
    }
    return set;
}

int main() {
    const auto train = points(8000, /*seed=*/1);
    const auto test = points(2000, /*seed=*/2);
    constexpr std::size_t epochs = 12, updates_per_epoch = 8000 / 32;

    std::printf("1. A linear warm-up over the first epoch's updates, then a cosine (per update)\n");
    tg::params<net> p = tg::init<net>(/*seed=*/3);
    tg::scheduled opt{tg::adam{0.01},
                      tg::sequential_lr{tg::linear_lr{.start_factor = 0.1, .steps = updates_per_epoch}, updates_per_epoch,
                                        tg::cosine_lr{.period = (epochs - 1) * updates_per_epoch}},
                      tg::per::update};
    tg::fit<net>(p, train, tg::softmax_cross_entropy{}, opt,
                 {.epochs = epochs, .batch_size = 32, .seed = 4, .report = tg::progress::none},
                 [&](const tg::epoch_report& e) {
                     std::printf("   epoch %2zu  loss %.4f  train accuracy %.4f  next learning rate %.5f\n", e.epoch,
                                 e.loss, e.accuracy, opt.lr());
                 });
    const double accuracy = tg::accuracy<net>(p, test);
    std::printf("   %zu updates; test accuracy %.4f\n", opt.updates(), accuracy);

    std::printf("2. The callback stops training once the training accuracy reaches 0.995\n");
    tg::params<net> q = tg::init<net>(/*seed=*/3);
    tg::adam adam{0.003};
    const tg::fit_result run = tg::fit<net>(q, train, tg::softmax_cross_entropy{}, adam,
                                            {.epochs = 100, .batch_size = 32, .seed = 4, .report = tg::progress::none},
                                            [](const tg::epoch_report& e) {
                                                return e.accuracy >= 0.995 ? tg::fit_control::stop : tg::fit_control::go_on;
                                            });
    const double accuracy_2 = tg::accuracy<net>(q, test);
    std::printf("   stopped by the callback: %s, after epoch %zu of 100 (training accuracy %.4f); test accuracy %.4f\n",
                run.stopped == tg::fit_stop::callback ? "yes" : "no", run.history.size(), run.history.back().accuracy,
                accuracy_2);

    std::printf("3. 20%% of the training points held out to validate on; stop when the validation loss has not\n"
                "   improved for 3 epochs, and keep the best epoch's parameters\n");
    tg::params<net> r = tg::init<net>(/*seed=*/3);
    tg::adam fast{0.01};
    const tg::fit_result stopped = tg::fit<net>(r, train, tg::softmax_cross_entropy{}, fast,
                                                {.epochs = 100, .batch_size = 32, .seed = 4, .report = tg::progress::none,
                                                 .validation_split = 0.2, .patience = 3, .restore_best = true});
    for (const tg::epoch_report& e : stopped.history)
        std::printf("   epoch %2zu  loss %.4f  validation loss %.4f  validation accuracy %.4f%s\n", e.epoch, e.loss,
                    e.validation_loss, e.validation_accuracy, e.epoch == stopped.best_epoch ? "  (best)" : "");
    const double accuracy_3 = tg::accuracy<net>(r, test);
    std::printf("   stopped by patience: %s; the parameters are epoch %zu's; test accuracy %.4f\n",
                stopped.stopped == tg::fit_stop::patience ? "yes" : "no", stopped.best_epoch, accuracy_3);

    std::printf("4. by hand: value_and_grad_batch, the gradient clipped to a global norm of 1, then adamw's step\n");
    tg::params<net> c = tg::init<net>(/*seed=*/5), grad{};
    tg::batch_workspace<net> ws(32);
    tg::adamw clipped{0.01};  // Adam with decoupled weight decay, λ = 0.01
    for (std::size_t epoch = 1; epoch <= 3; ++epoch) {
        float largest = 0;
        for (std::size_t at = 0; at + 32 <= train.size(); at += 32) {
            tg::value_and_grad_batch<net>(c, ws, std::span(train.inputs).subspan(at, 32),
                                          std::span(train.targets).subspan(at, 32), tg::softmax_cross_entropy{}, grad,
                                          {tg::mode::training}, tg::grad_mode::assign);
            largest = std::max(largest, tg::clip_grad_norm(grad, 1.0));  // the norm before clipping
            clipped.step(c, grad);
        }
        std::printf("   epoch %zu: largest gradient norm before clipping %.3f\n", epoch, largest);
    }
    const double accuracy_4 = tg::accuracy<net>(c, test);
    std::printf("   test accuracy %.4f\n", accuracy_4);
    const tg::confusion counts = tg::confusion_matrix<net>(c, test);  // rows: label, columns: predicted
    for (std::size_t k = 0; k < 2; ++k)
        std::printf("   %s: %4zu predicted red, %4zu blue; precision %.4f, recall %.4f\n", k ? "blue" : "red ",
                    counts.count(k, 0), counts.count(k, 1), counts.precision(k), counts.recall(k));
    return accuracy >= 0.98 && accuracy_2 >= 0.98 && accuracy_3 >= 0.98 && accuracy_4 >= 0.98 ? 0 : 1;
}
