// Resumes training exactly from a checkpoint: a network with dropout, trained with a scheduled Adam on
// 2 threads, is trained for 5 epochs in one run, saving a checkpoint from the epoch callback after
// epoch 3; fresh parameters and a fresh optimizer then load that checkpoint and train epochs 4 and 5.
// Both runs end with the same bits. Also lists what the checkpoint holds, and the error that loading it
// into another optimizer gives.
#include <cstring>
#include <iostream>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using net = tg::sequential<tg::dense<2, 32>, tg::relu, tg::dropout<80>, tg::dense<32, 2>>;

// The parameters as raw bytes, compared with memcmp.
bool same_bits(const tg::params<net>& a, const tg::params<net>& b) {
    bool same = true;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& x, const auto& y) {
            same = same && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
        },
        a, b);
    return same;
}

int main() {
    // Points of the plane, labelled by which side of the circle of radius 0.6 they lie on.
    tg::dataset<float, 2> train;
    train.classes = 2;
    tg::rng r{1};
    for (int i = 0; i < 400; ++i) {
        const tg::vec<float, 2> x{float(r.uniform(-1, 1)), float(r.uniform(-1, 1))};
        train.push_back(x, x[0] * x[0] + x[1] * x[1] < 0.36f ? 1 : 0);
    }
    const tg::fit_options options{.epochs = 5, .batch_size = 16, .seed = 3, .threads = 2, .report = tg::progress::none};
    const auto make_optimizer = [] { return tg::scheduled{tg::adam{0.01}, tg::cosine_lr{.period = 5}}; };

    // One run of 5 epochs, which saves a checkpoint after epoch 3.
    tg::params<net> p = tg::init<net>(7);
    auto opt = make_optimizer();
    tg::fit<net>(p, train, tg::softmax_cross_entropy{}, opt, options, [&](const tg::epoch_report& e) {
        if (e.epoch == 3) tg::save_checkpoint(p, opt, e.epoch, "run.safetensors");
    });

    // Another program, say: fresh parameters and optimizer, loaded from the checkpoint, train on.
    tg::params<net> q{};
    auto resumed = make_optimizer();
    const std::size_t done = tg::load_checkpoint(q, resumed, "run.safetensors");
    auto rest = options;
    rest.initial_epoch = done;  // epochs 4 and 5, with the shuffles and dropout masks of the one run
    tg::fit<net>(q, train, tg::softmax_cross_entropy{}, resumed, rest);

    const bool same = same_bits(p, q);
    std::cout << "resumed after epoch " << done << ": " << (same ? "the same bits" : "DIFFERENT bits")
              << " as the run of 5 epochs; " << resumed.optimizer.steps() << " Adam steps in both\n";

    const tg::safetensors_contents saved = tg::read_safetensors("run.safetensors");
    for (const auto& [key, value] : saved.metadata) std::cout << key << " = " << value << '\n';
    for (const tg::named_tensor& t : saved.tensors) std::cout << t.name << (&t == &saved.tensors.back() ? "\n" : ", ");

    tg::momentum other{0.01, 0.9};
    try {
        tg::load_checkpoint(q, other, "run.safetensors");
    } catch (const tg::weights_mismatch_error& e) {
        std::cout << e.what() << '\n';
    }
    return same && resumed.optimizer.steps() == opt.optimizer.steps() ? 0 : 1;
}
