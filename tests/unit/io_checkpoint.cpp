// Checkpoints: 3 epochs, a checkpoint, a fresh network and optimizer loaded from it, and 2 more epochs
// through tg::fit's initial_epoch give the same bits as 5 epochs in one run, for every optimizer (sgd,
// momentum, Nesterov, adam, adamw, scheduled ones), on 1 and 3 threads, with dropout and batch norm in
// the network or split by neurons; the file's names and metadata; and the errors: another optimizer,
// other hyper-parameters, other shapes, a truncated file, a file without optimizer state, a failed save.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "fault_support.hpp"
#include "io_support.hpp"
#include "net_support.hpp"

namespace tg = typegrad;
namespace fs = std::filesystem;
using namespace io_support;
using namespace net_support;

namespace {

// Split by samples (dropout and batch norm), and by neurons (dense layers and activations only).
using noisy = tg::sequential<tg::dense<2, 16>, tg::batch_norm, tg::relu, tg::dropout<80>, tg::dense<16, 2>>;
using plain = tg::sequential<tg::dense<2, 16>, tg::tanh, tg::dense<16, 2>>;

template <class T>
tg::dataset<T, 2> points() {
    const auto set = line_points(60, 3);
    tg::dataset<T, 2> out;
    out.classes = 2;
    for (std::size_t i = 0; i < set.size(); ++i)
        out.push_back({static_cast<T>(set.inputs[i][0]), static_cast<T>(set.inputs[i][1])}, set.targets[i]);
    return out;
}

// Bit for bit.
template <class P>
bool same_bits(const P& a, const P& b) {
    bool same = true;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, const auto& x, const auto& y) {
            same = same && std::memcmp(x.data(), y.data(), x.size() * sizeof(*x.data())) == 0;
        },
        a, b);
    return same;
}

// 5 epochs in one run, saving a checkpoint from the callback after epoch 3; 3 epochs, then a checkpoint;
// each loaded into fresh parameters and optimizer, then epochs 4 and 5: all three end with the same bits.
template <class Net, class T, class Opt>
void check_resume(const Opt& fresh, std::size_t threads, const std::string& name) {
    BOOST_TEST_CONTEXT(name << ", " << (tg::detail::splits_by_neurons<Net, T> ? "by neurons" : "by samples") << ", threads = "
                            << threads) {
        const auto data = points<T>();
        const tg::fit_options five{.epochs = 5, .batch_size = 8, .seed = 7, .threads = threads, .report = tg::progress::none};
        const fs::path in_run = tmp("in_run_" + name + ".safetensors"), after = tmp("after_" + name + ".safetensors");

        auto expected = tg::init<Net, T>(1);
        Opt whole = fresh;
        tg::fit<Net>(expected, data, tg::softmax_cross_entropy{}, whole, five, [&](const tg::epoch_report& e) {
            if (e.epoch == 3) tg::save_checkpoint(expected, whole, e.epoch, in_run);
        });

        auto p = tg::init<Net, T>(1);
        Opt first = fresh;
        auto three = five;
        three.epochs = 3;
        tg::fit<Net>(p, data, tg::softmax_cross_entropy{}, first, three);
        tg::save_checkpoint(p, first, 3, after);
        BOOST_TEST(tg::read_file(in_run) == tg::read_file(after));

        for (const fs::path& path : {in_run, after}) {
            auto q = tg::init<Net, T>(99);  // other values, all overwritten
            Opt resumed = fresh;
            const std::size_t done = tg::load_checkpoint(q, resumed, path);
            BOOST_TEST(done == 3u);
            BOOST_TEST(same_bits(q, p));
            auto rest = five;
            rest.initial_epoch = done;
            const tg::fit_result run = tg::fit<Net>(q, data, tg::softmax_cross_entropy{}, resumed, rest);
            BOOST_TEST(run.history.size() == 2u);
            BOOST_TEST(run.history.front().epoch == 4u);
            BOOST_TEST(same_bits(q, expected));
            if constexpr (requires { resumed.steps(); }) BOOST_TEST(resumed.steps() == whole.steps());
            if constexpr (requires { resumed.updates(); }) {
                BOOST_TEST(resumed.epochs() == whole.epochs());
                BOOST_TEST(resumed.updates() == whole.updates());
            }
        }
    }
}

template <class Net, class T>
void check_every_optimizer(std::size_t threads) {
    check_resume<Net, T>(tg::sgd{0.1}, threads, "sgd");
    check_resume<Net, T>(tg::sgd{0.1, 1e-3}, threads, "sgd_decay");
    check_resume<Net, T>(tg::momentum{0.05, 0.9}, threads, "momentum");
    check_resume<Net, T>(tg::momentum{0.05, 0.9, true, 1e-3}, threads, "nesterov");
    check_resume<Net, T>(tg::adam{0.01}, threads, "adam");
    check_resume<Net, T>(tg::adamw{0.01}, threads, "adamw");
    check_resume<Net, T>(tg::scheduled{tg::adam{0.01}, tg::step_lr{.step_size = 2, .gamma = 0.5}}, threads,
                         "scheduled_adam");
    check_resume<Net, T>(tg::scheduled{tg::momentum{0.05, 0.9}, tg::cosine_lr{.period = 30}, tg::per::update}, threads,
                         "scheduled_momentum");
}

using P = tg::params<plain, double>;

// A checkpoint of an adam after 3 epochs on plain, and those parameters.
P adam_checkpoint(const fs::path& path, tg::adam& opt) {
    auto p = tg::init<plain, double>(1);
    tg::fit<plain>(p, points<double>(), tg::softmax_cross_entropy{}, opt,
                   {.epochs = 3, .batch_size = 8, .seed = 7, .threads = 1, .report = tg::progress::none});
    tg::save_checkpoint(p, opt, 3, path);
    return p;
}

// Runs f, which must throw tg::weights_mismatch_error, and checks that it left p and opt as they were.
template <class Opt, class F>
std::string mismatch(P& p, Opt& opt, F f) {
    const P before = p;
    const Opt kept = opt;
    const std::string text = message_of<tg::weights_mismatch_error>(f);
    BOOST_TEST(same_bits(p, before));
    if constexpr (requires { opt.steps(); }) BOOST_TEST(opt.steps() == kept.steps());
    return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoints)

BOOST_AUTO_TEST_CASE(resuming_from_a_checkpoint_gives_the_bits_of_one_run) {
    static_assert(!tg::detail::splits_by_neurons<noisy, double> && tg::detail::splits_by_neurons<plain, double>);
    for (std::size_t threads : {1, 3}) {
        check_every_optimizer<noisy, double>(threads);
        check_every_optimizer<plain, double>(threads);
    }
    check_resume<noisy, float>(tg::adam{0.01}, 3, "adam_float");
    check_resume<plain, float>(tg::momentum{0.05, 0.9, true}, 3, "nesterov_float");
}

// The names of PyTorch's state_dicts under "optimizer.", the kind and hyper-parameters in the metadata;
// tg::load reads the parameters alone.
BOOST_AUTO_TEST_CASE(a_checkpoint_holds_named_state_and_metadata) {
    const fs::path path = tmp("named.safetensors");
    tg::adam opt{0.01, 0.8};
    const P p = adam_checkpoint(path, opt);
    const auto contents = tg::read_safetensors(path);
    BOOST_TEST(contents.metadata.at("format") == "pt");
    BOOST_TEST(contents.metadata.at("optimizer") == "adam");
    BOOST_TEST(contents.metadata.at("optimizer.lr") == "0.01");
    BOOST_TEST(contents.metadata.at("optimizer.beta1") == "0.8");
    BOOST_TEST(contents.metadata.at("optimizer.beta2") == "0.999");
    BOOST_TEST(contents.metadata.at("optimizer.eps") == "1e-08");
    BOOST_TEST(contents.metadata.at("optimizer.weight_decay") == "0");
    BOOST_TEST(contents.metadata.at("epoch") == "3");
    BOOST_TEST(contents.tensors.size() == 4 * 3 + 1);  // parameters, exp_avg, exp_avg_sq, step
    const tg::named_tensor* step = contents.find("optimizer.step");
    BOOST_REQUIRE(step);
    BOOST_TEST((step->type == tg::dtype::i64 && step->shape.empty()));
    std::int64_t t = 0;
    std::memcpy(&t, step->data.data(), 8);
    BOOST_TEST(t == 24);  // 3 epochs of ⌈60 / 8⌉ updates
    BOOST_TEST(contents.find("optimizer.exp_avg.2.weight")->shape == (std::vector<std::size_t>{2, 16}));
    BOOST_TEST(contents.find("optimizer.exp_avg_sq.0.bias")->shape == (std::vector<std::size_t>{16}));
    BOOST_TEST(same_bits(tg::load<plain, double>(path), p));

    tg::scheduled scheduled{tg::momentum{0.05, 0.9, true}, tg::step_lr{.step_size = 2}, tg::per::update};
    tg::save_checkpoint(p, scheduled, 0, path);  // before any step: zeros, and counts of 0
    const auto s = tg::read_safetensors(path);
    BOOST_TEST(s.metadata.at("optimizer") == "scheduled<momentum>");
    BOOST_TEST(s.metadata.at("optimizer.base_lr") == "0.05");
    BOOST_TEST(s.metadata.at("optimizer.unit") == "update");
    BOOST_TEST(s.metadata.at("optimizer.nesterov") == "true");
    BOOST_TEST(!s.metadata.contains("optimizer.lr"));  // the schedule's to set
    BOOST_TEST(s.metadata.at("optimizer.schedule") == "step_lr");
    BOOST_TEST(s.metadata.at("optimizer.schedule.step_size") == "2");
    BOOST_TEST(s.metadata.at("optimizer.schedule.gamma") == "0.1");
    for (const char* name : {"optimizer.step", "optimizer.scheduled_epochs", "optimizer.scheduled_updates"})
        BOOST_TEST(s.find(name) != nullptr, name);
    BOOST_TEST(s.find("optimizer.momentum_buffer.0.weight") != nullptr);
    P q{};
    BOOST_TEST(tg::load_checkpoint(q, scheduled, path) == 0u);
    BOOST_TEST(same_bits(q, p));

    tg::save_checkpoint(p, tg::adam{0.01}, 0, path);  // both moments zero before the first step
    for (const char* name : {"optimizer.exp_avg.2.weight", "optimizer.exp_avg_sq.2.weight"}) {
        const auto values = tg::read_safetensors(path).find(name)->values<double>();
        BOOST_TEST(std::all_of(values.begin(), values.end(), [](double x) { return x == 0; }), name);
    }
}

BOOST_AUTO_TEST_CASE(another_optimizer_or_other_hyper_parameters_are_refused) {
    const fs::path path = tmp("adam.safetensors");
    tg::adam saved{0.01};
    P p = adam_checkpoint(path, saved);

    tg::momentum m{0.01, 0.9};
    BOOST_TEST(contains(mismatch(p, m, [&] { tg::load_checkpoint(p, m, path); }),
                        "checkpoint '" + path.string() + "' holds the state of optimizer adam, expected momentum"));
    tg::adamw w{0.01};
    BOOST_TEST(contains(mismatch(p, w, [&] { tg::load_checkpoint(p, w, path); }),
                        "holds the state of optimizer adam, expected adamw"));
    tg::scheduled s{tg::adam{0.01}, tg::exponential_lr{0.9}};
    BOOST_TEST(contains(mismatch(p, s, [&] { tg::load_checkpoint(p, s, path); }),
                        "holds the state of optimizer adam, expected scheduled<adam>"));

    // A schedule with another parameter, or another schedule.
    const fs::path scheduled_path = tmp("scheduled.safetensors");
    tg::scheduled cosine{tg::adam{0.01}, tg::cosine_lr{.period = 30}};
    tg::save_checkpoint(p, cosine, 0, scheduled_path);
    tg::scheduled shorter{tg::adam{0.01}, tg::cosine_lr{.period = 20}};
    BOOST_TEST(contains(mismatch(p, shorter, [&] { tg::load_checkpoint(p, shorter, scheduled_path); }),
                        "other hyper-parameters of scheduled<adam>: 1 mismatch\n  metadata 'optimizer.schedule.period' is "
                        "30, expected 20"));
    tg::scheduled warm{tg::adam{0.01},
                       tg::sequential_lr{tg::linear_lr{.steps = 3}, 3, tg::cosine_lr{.period = 30}}};
    const std::string sequential = mismatch(p, warm, [&] { tg::load_checkpoint(p, warm, scheduled_path); });
    BOOST_TEST(contains(sequential, "\n  metadata 'optimizer.schedule' is cosine_lr, expected sequential_lr"));
    BOOST_TEST(contains(sequential, "\n  metadata 'optimizer.schedule.first.schedule' is missing, expected linear_lr"));
    tg::save_checkpoint(p, warm, 0, scheduled_path);
    BOOST_TEST(tg::read_safetensors(scheduled_path).metadata.at("optimizer.schedule.then.schedule.period") == "30");

    tg::adam other{0.02, 0.9, 0.99};
    other.step(p, P{});  // a state of its own, which the failed load keeps
    const std::string text = mismatch(p, other, [&] { tg::load_checkpoint(p, other, path); });
    BOOST_TEST(contains(text, "checkpoint '" + path.string() + "' was saved with other hyper-parameters of adam: 2 mismatches"));
    BOOST_TEST(contains(text, "\n  metadata 'optimizer.lr' is 0.01, expected 0.02"));
    BOOST_TEST(contains(text, "\n  metadata 'optimizer.beta2' is 0.999, expected 0.99"));

    // An optimizer already stepping another network refuses a state for this one.
    tg::adam busy{0.01};
    auto small = tg::params<tg::sequential<tg::dense<2, 2>>, double>{};
    busy.step(small, small);
    BOOST_TEST(throws_value_error([&] { tg::load_checkpoint(p, busy, path); }, "tg::load_checkpoint: this optimizer's state"));
}

BOOST_AUTO_TEST_CASE(other_shapes_or_missing_state_are_listed) {
    const fs::path path = tmp("shapes.safetensors");
    tg::adam saved{0.01};
    adam_checkpoint(path, saved);
    using wider = tg::sequential<tg::dense<2, 8>, tg::tanh, tg::dense<8, 2>>;
    tg::params<wider, double> w{};
    tg::adam opt{0.01};
    const std::string text = message_of<tg::weights_mismatch_error>([&] { tg::load_checkpoint(w, opt, path); });
    BOOST_TEST(contains(text, "weights file '" + path.string() + "' does not fit the network: 9 mismatches"));
    BOOST_TEST(contains(text, "\n  tensor '0.weight': shape [16, 2], expected [8, 2]"));
    BOOST_TEST(contains(text, "\n  tensor 'optimizer.exp_avg.0.weight': shape [16, 2], expected [8, 2]"));
    BOOST_TEST(contains(text, "\n  tensor 'optimizer.exp_avg_sq.2.weight': shape [2, 16], expected [2, 8]"));
    BOOST_TEST(opt.steps() == 0u);

    // The step count and a moment removed by hand, a negative count written by hand.
    auto contents = tg::read_safetensors(path);
    std::erase_if(contents.tensors, [](const auto& t) { return t.name == "optimizer.step" || t.name == "optimizer.exp_avg.2.bias"; });
    tg::write_safetensors(path, contents.tensors, contents.metadata);
    P p{};
    const std::string missing = mismatch(p, opt, [&] { tg::load_checkpoint(p, opt, path); });
    BOOST_TEST(contains(missing, "2 mismatches"));
    BOOST_TEST(contains(missing, "\n  missing tensor 'optimizer.step', expected I64 shape [] (a step count)"));
    BOOST_TEST(contains(missing, "\n  missing tensor 'optimizer.exp_avg.2.bias', expected F64 shape [2]"));
    contents.tensors.push_back(tg::named_tensor{"optimizer.step", tg::dtype::i64, {}, tg::byte_buffer(8, 0xff)});
    contents.tensors.push_back(tg::named_tensor::from<double>("optimizer.exp_avg.2.bias", {2}, std::vector<double>{0, 0}));
    tg::write_safetensors(path, contents.tensors, contents.metadata);
    BOOST_TEST(contains(mismatch(p, opt, [&] { tg::load_checkpoint(p, opt, path); }),
                        "\n  tensor 'optimizer.step' is -1, expected a step count >= 0"));
}

BOOST_AUTO_TEST_CASE(a_file_without_optimizer_state_or_cut_short_is_refused) {
    const fs::path path = tmp("params_only.safetensors");
    P p = tg::init<plain, double>(1);
    tg::save(p, path);
    tg::momentum opt{0.1, 0.9};
    BOOST_TEST(contains(mismatch(p, opt, [&] { tg::load_checkpoint(p, opt, path); }),
                        "checkpoint '" + path.string() +
                            "' holds no optimizer state (no metadata 'optimizer'), expected that of momentum: a file of "
                            "tg::save holds parameters only; read them with tg::load"));

    tg::save_checkpoint(p, opt, 2, path);
    auto bytes = tg::read_file(path);
    bytes.resize(bytes.size() - 12);
    tg::write_file_atomically(path, bytes);
    const P before = p;
    const std::string text = message_of<tg::format_error>([&] { tg::load_checkpoint(p, opt, path); });
    BOOST_TEST(contains(text, "safetensors file '" + path.string() + "'"));
    BOOST_TEST(same_bits(p, before));
    BOOST_TEST(opt.steps() == 0u);
}

// A save that fails mid-file (a file-size limit, in a forked child) is an io_error and keeps the old
// checkpoint whole.
BOOST_AUTO_TEST_CASE(a_failed_save_keeps_the_old_checkpoint) {
    const fs::path dir = tmp("checkpoint_limited");
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path path = dir / "run.safetensors";
    using wide = tg::sequential<tg::dense<64, 64>>;  // 16 KB of weights, 48 KB with Adam's moments
    const tg::params<wide, float> zero{};
    tg::adam opt{0.01};
    tg::save_checkpoint(zero, opt, 0, path);
    const auto old = tg::read_file(path);
    const std::string text = fault_support::in_child(10, [&] {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{32768, 32768};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        auto p = zero;
        tg::get<0>(p).b[0] = 1;
        tg::adam moved{0.01};
        moved.step(p, p);
        return message_of<tg::io_error>([&] { tg::save_checkpoint(p, moved, 1, path); });
    });
    BOOST_TEST(contains(text, "cannot save '" + path.string() + "': cannot write the temporary file '"));
    BOOST_TEST(tg::read_file(path) == old);
    BOOST_TEST(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 1);
    auto p = tg::params<wide, float>{};
    BOOST_TEST(tg::load_checkpoint(p, opt, path) == 0u);
}

BOOST_AUTO_TEST_CASE(initial_epoch_past_epochs_is_a_value_error) {
    P p = tg::init<plain, double>(1);
    tg::sgd opt{0.1};
    BOOST_TEST(throws_value_error(
        [&] {
            tg::fit<plain>(p, points<double>(), tg::softmax_cross_entropy{}, opt,
                           {.epochs = 3, .initial_epoch = 4, .report = tg::progress::none});
        },
        "tg::fit: initial_epoch is 4, expected at most epochs (3): the epochs already run of the 3 to run"));
    const auto run = tg::fit<plain>(p, points<double>(), tg::softmax_cross_entropy{}, opt,
                                    {.epochs = 3, .initial_epoch = 3, .report = tg::progress::none});
    BOOST_TEST(run.history.empty());
}

// A count of epochs no run can have reached (a hostile checkpoint's) is refused, not replayed shuffle by
// shuffle for years; without shuffling there is nothing to replay.
BOOST_AUTO_TEST_CASE(initial_epoch_beyond_any_run_is_a_value_error) {
    P p = tg::init<plain, double>(1);
    tg::sgd opt{0.1};
    const auto data = points<double>();
    const std::size_t most = (std::size_t{1} << 36) / data.size(), absurd = std::size_t{1} << 62;
    BOOST_TEST(throws_value_error(
        [&] {
            tg::fit<plain>(p, data, tg::softmax_cross_entropy{}, opt,
                           {.epochs = absurd + 1, .initial_epoch = absurd, .report = tg::progress::none});
        },
        "tg::fit: initial_epoch is " + std::to_string(absurd) + ", expected at most " + std::to_string(most) + " for " +
            std::to_string(data.size()) +
            " samples: resuming replays the shuffle of every epoch already run, at most 2^36 draws in all"));
    const auto run = tg::fit<plain>(p, data, tg::softmax_cross_entropy{}, opt,
                                    {.epochs = absurd, .initial_epoch = absurd, .shuffle = false,
                                     .report = tg::progress::none});
    BOOST_TEST(run.history.empty());
}

BOOST_AUTO_TEST_SUITE_END()
