// tg::mpi::fit, run by mpiexec on 1, 2 and 3 processes (tests/mpi/mpi.cmake); every process runs every
// test case. The processes train as one process would on the same batches (by samples, by neurons,
// with batch_norm and dropout, a GRU network), uneven last batches and processes without rows
// included, and end with the same bits; a process that fails (its optimizer, its loss, its callback,
// its data) stops every process with its error, and processes given different data or options stop
// before training.
#include <typegrad/mpi.hpp>  // first: it includes what it uses

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

tg::mpi::session* mpi = nullptr;

struct mpi_session {
    mpi_session() { mpi = &session; }
    ~mpi_session() { mpi = nullptr; }
    tg::mpi::session session;
};

std::size_t last_rank() { return mpi->size() - 1; }

/// Every value of p, in tensor order.
template <class P>
std::vector<double> values_of(const P& p) {
    std::vector<double> v;
    tg::for_each_tensor([&](std::size_t, std::string_view, const auto& t) { v.insert(v.end(), t.begin(), t.end()); }, p);
    return v;
}

/// Whether every process holds the bits process 0 holds in p.
template <class P>
bool same_bits_everywhere(const P& p) {
    const std::vector<double> mine = values_of(p);
    std::vector<double> first = mine;
    boost::mpi::broadcast(mpi->communicator(), first.data(), int(first.size()), 0);
    const bool same = std::memcmp(first.data(), mine.data(), mine.size() * sizeof(double)) == 0;
    return boost::mpi::all_reduce(mpi->communicator(), same, std::logical_and<bool>());
}

/// Trains Net from tg::init(seed) on `data` with tg::mpi::fit and with tg::fit in this process alone,
/// and checks that both give the same parameters up to summation order, the same on every process.
template <class Net, class Data, class Loss, class Opt>
void trains_as_one_process(const Data& data, const Loss& loss, Opt opt, tg::fit_options options) {
    options.report = tg::progress::none;
    auto alone = tg::init<Net, double>(5);
    Opt alone_opt = opt;
    const tg::fit_result expected = tg::fit<Net>(alone, data, loss, alone_opt, options);

    auto p = tg::init<Net, double>(5 + mpi->rank());  // each starts from process 0's: seed 5
    const tg::fit_result result = tg::mpi::fit<Net>(*mpi, p, data, loss, opt, options);
    BOOST_TEST(max_relative_difference(p, alone) <= 1e-12);
    BOOST_TEST(same_bits_everywhere(p));
    BOOST_TEST_REQUIRE(result.history.size() == expected.history.size());
    for (std::size_t e = 0; e < result.history.size(); ++e) {
        BOOST_TEST(std::abs(result.history[e].loss - expected.history[e].loss) <= 1e-12);
        if (!std::isnan(expected.history[e].accuracy)) BOOST_TEST(result.history[e].accuracy == expected.history[e].accuracy);
    }
}

/// n sequences of 6 steps (x, y): label 1 for a rising ramp, 0 for a falling one, with noise.
tg::dataset<double, 12> ramps(std::size_t n, std::uint64_t seed) {
    tg::dataset<double, 12> set;
    set.classes = 2;
    tg::rng r{seed};
    for (std::size_t i = 0; i < n; ++i) {
        tg::vec<double, 12> x;
        for (std::size_t t = 0; t < 6; ++t) {
            x[2 * t] = (i % 2 ? 0.2 : -0.2) * double(t) + r.uniform(-0.3, 0.3);
            x[2 * t + 1] = r.uniform(-1, 1);
        }
        set.push_back(x, i % 2);
    }
    return set;
}

using small_net = tg::sequential<tg::dense<2, 8>, tg::tanh, tg::dense<8, 2>>;                     // by samples
using wide_net = tg::sequential<tg::dense<2, 100>, tg::relu, tg::dense<100, 100>, tg::tanh, tg::dense<100, 2>>;  // by neurons
using normed_net = tg::sequential<tg::dense<2, 8>, tg::batch_norm, tg::relu, tg::dropout<80>, tg::dense<8, 2>>;
using gru_net = tg::sequential<tg::gru<2, 5>, tg::last_step, tg::dense<5, 2>>;

/// Whether f() throws, on this process, E whose message contains text.
template <class E, class F>
bool throws(F&& f, std::string_view text) {
    try {
        f();
    } catch (const E& e) {
        if (std::string_view(e.what()).find(text) != std::string_view::npos) return true;
        BOOST_TEST_MESSAGE("process " << mpi->rank() << " threw: " << e.what());
        return false;
    }
    return false;
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(mpi_session);

BOOST_AUTO_TEST_CASE(the_processes_train_as_one_process_on_the_same_batches) {
    BOOST_TEST_MESSAGE("process " << mpi->rank() << " of " << mpi->size());
    const auto points = line_points(103, 1);  // batches of 10, the last of 3: one row per process on 3
    trains_as_one_process<small_net>(points, tg::softmax_cross_entropy{}, tg::sgd{0.3},
                                     {.epochs = 3, .batch_size = 10, .seed = 2, .threads = 1});
    trains_as_one_process<small_net>(points, tg::softmax_cross_entropy{}, tg::momentum{0.1, 0.9},
                                     {.epochs = 2, .batch_size = 2, .seed = 3, .threads = 2});  // a process without rows
    static_assert(tg::detail::splits_by_neurons<wide_net, double>);
    trains_as_one_process<wide_net>(line_points(50, 2), tg::softmax_cross_entropy{}, tg::adam{0.01},
                                    {.epochs = 2, .batch_size = 16, .seed = 4, .threads = 2});
    // batch_norm's statistics are the whole batch's (rows on every process), dropout's masks each row's.
    trains_as_one_process<normed_net>(line_points(61, 3), tg::softmax_cross_entropy{}, tg::sgd{0.1},
                                      {.epochs = 2, .batch_size = 12, .seed = 5, .threads = 2});
    // Processes may run different numbers of threads.
    trains_as_one_process<normed_net>(line_points(61, 3), tg::softmax_cross_entropy{}, tg::sgd{0.1},
                                      {.epochs = 2, .batch_size = 12, .seed = 5, .threads = 1 + mpi->rank() % 2});
    trains_as_one_process<gru_net>(ramps(40, 4), tg::softmax_cross_entropy{}, tg::adam{0.02},
                                   {.epochs = 2, .batch_size = 9, .seed = 6, .threads = 1});
    // Validation, early stopping and restore_best decide alike on every process.
    trains_as_one_process<small_net>(points, tg::softmax_cross_entropy{}, tg::sgd{2.0},
                                     {.epochs = 6, .batch_size = 8, .seed = 7, .threads = 1, .validation_split = 0.3,
                                      .monitor = tg::fit_metric::validation_loss, .patience = 2, .restore_best = true});
}

BOOST_AUTO_TEST_CASE(the_gradients_summed_are_counted) {
    const auto points = line_points(30, 5);
    auto p = tg::init<small_net, double>(1);
    tg::sgd opt{0.1};
    const tg::mpi::traffic before = mpi->traffic();
    tg::mpi::fit<small_net>(*mpi, p, points, tg::softmax_cross_entropy{}, opt,
                            {.epochs = 2, .batch_size = 10, .report = tg::progress::none});
    const std::size_t batches = mpi->size() > 1 ? 6 : 0;  // one process alone has nothing to sum
    BOOST_TEST(mpi->traffic().batches - before.batches == batches);
    BOOST_TEST(mpi->traffic().bytes - before.bytes == batches * (2 * 8 + 8 + 8 * 2 + 2) * sizeof(double));
}

BOOST_AUTO_TEST_CASE(only_process_0_reports_progress) {
    std::ostringstream text;
    auto* const old = std::cerr.rdbuf(text.rdbuf());
    auto p = tg::init<small_net, double>(1);
    tg::sgd opt{0.1};
    tg::mpi::fit<small_net>(*mpi, p, line_points(20, 6), tg::softmax_cross_entropy{}, opt,
                            {.epochs = 2, .batch_size = 5, .report = tg::progress::lines});
    std::cerr.rdbuf(old);
    if (mpi->root()) BOOST_TEST(text.str().find("epoch 2/2") != std::string::npos);
    else BOOST_TEST(text.str().empty());
}

// A process whose optimizer throws at its first step (it was made for another network): that process
// throws its error, every other one a rank_error naming it and carrying its message, and none hangs.
// By samples, by neurons and with batch_norm (whose statistics the processes share within each pass),
// the failure comes between two batches' tallies.
BOOST_AUTO_TEST_CASE(a_process_whose_optimizer_throws_stops_every_process) {
    const auto check = [&]<class Net>(Net, std::size_t threads) {
        tg::adam opt{0.01};
        if (mpi->rank() == last_rank()) {
            tg::params<tg::sequential<tg::dense<2, 3>>, double> other{};
            opt.step(other, other);
        }
        auto p = tg::init<Net, double>(1);
        const auto run = [&] {
            tg::mpi::fit<Net>(*mpi, p, line_points(40, 7), tg::softmax_cross_entropy{}, opt,
                              {.epochs = 2, .batch_size = 8, .threads = threads, .report = tg::progress::none});
        };
        if (mpi->rank() == last_rank()) {
            BOOST_TEST(throws<tg::value_error>(run, "tg::adam: this optimizer's state"));
        } else {
            BOOST_TEST(throws<tg::mpi::rank_error>(run, "tg::adam: this optimizer's state"));
        }
    };
    check(small_net{}, 1);
    check(wide_net{}, 2);
    check(normed_net{}, 2);
}

// softmax_cross_entropy that throws on the last process after its first 8 rows: a failure in the middle
// of a pass, between batch_norm's shares of the forward and those of the backward.
struct fragile_loss : tg::softmax_cross_entropy {
    std::atomic<std::size_t>* calls;
    template <tg::scalar T, std::size_t N>
    T value_and_grad(const tg::vec<T, N>& out, std::size_t label, tg::vec<T, N>& grad) const {
        if (mpi->rank() == last_rank() && ++*calls > 8) throw tg::value_error("fragile_loss: a bad target");
        return tg::softmax_cross_entropy::value_and_grad(out, label, grad);
    }
};

BOOST_AUTO_TEST_CASE(a_loss_that_throws_on_one_process_stops_every_process) {
    for (std::size_t threads : {1, 2}) {
        std::atomic<std::size_t> calls = 0;
        auto p = tg::init<normed_net, double>(1);
        tg::sgd opt{0.1};
        const auto run = [&] {
            tg::mpi::fit<normed_net>(*mpi, p, line_points(90, 7), fragile_loss{{}, &calls}, opt,
                                     {.epochs = 2, .batch_size = 24, .threads = threads, .report = tg::progress::none});
        };
        if (mpi->rank() == last_rank()) BOOST_TEST(throws<tg::value_error>(run, "fragile_loss: a bad target"));
        else BOOST_TEST(throws<tg::mpi::rank_error>(run, "fragile_loss: a bad target"));
    }
}

BOOST_AUTO_TEST_CASE(a_callback_that_throws_on_one_process_stops_every_process) {
    auto p = tg::init<small_net, double>(1);
    tg::sgd opt{0.1};
    const auto run = [&] {
        tg::mpi::fit<small_net>(*mpi, p, line_points(20, 8), tg::softmax_cross_entropy{}, opt,
                                {.epochs = 4, .batch_size = 5, .report = tg::progress::none},
                                [&](const tg::epoch_report& r) {
                                    if (r.epoch == 2 && mpi->rank() == last_rank()) throw tg::io_error("disk full");
                                });
    };
    if (mpi->rank() == last_rank()) {
        BOOST_TEST(throws<tg::io_error>(run, "disk full"));
    } else {
        try {
            run();
            BOOST_TEST(false, "fit returned");
        } catch (const tg::mpi::rank_error& e) {
            BOOST_TEST(e.rank() == last_rank());
            BOOST_TEST(std::string_view(e.what()).find("disk full") != std::string_view::npos);
        }
    }
}

// An optimizer that throws on the last process at its `when`-th step.
struct fragile_sgd {
    std::size_t when, steps = 0;
    template <class Net, class T>
    void step(tg::params<Net, T>& p, const tg::params<Net, T>& grad) {
        if (mpi->rank() == last_rank() && ++steps == when) throw tg::value_error("fragile_sgd: a bad step");
        tg::sgd{0.1}.step(p, grad);
    }
};

// The last batch's update fails on one process: every process stops before validating and before the
// callback, which therefore runs nowhere, and so cannot be left waiting in a collective of its own.
BOOST_AUTO_TEST_CASE(a_failed_last_update_stops_every_process_before_the_callback) {
    const auto check = [&]<class Net>(Net, std::size_t threads) {
        auto p = tg::init<Net, double>(1);
        fragile_sgd opt{4};
        std::size_t callbacks = 0;
        const auto run = [&] {
            tg::mpi::fit<Net>(*mpi, p, line_points(20, 11), line_points(10, 12), tg::softmax_cross_entropy{}, opt,
                              {.epochs = 2, .batch_size = 5, .threads = threads, .report = tg::progress::none},
                              [&](const tg::epoch_report&) {
                                  ++callbacks;
                                  MPI_Barrier(MPI_COMM_WORLD);
                              });
        };
        if (mpi->rank() == last_rank()) BOOST_TEST(throws<tg::value_error>(run, "fragile_sgd: a bad step"));
        else BOOST_TEST(throws<tg::mpi::rank_error>(run, "fragile_sgd: a bad step"));
        BOOST_TEST(callbacks == 0u);
    };
    check(small_net{}, 1);
    check(wide_net{}, 2);
}

// Processes whose parameters drift apart (here their learning rates differ) stop after the epoch.
BOOST_AUTO_TEST_CASE(parameters_that_differ_stop_every_process) {
    if (mpi->size() == 1) return;
    auto p = tg::init<small_net, double>(1);
    tg::sgd opt{mpi->rank() == last_rank() ? 0.2 : 0.1};
    BOOST_TEST(throws<tg::training_error>(
        [&] {
            tg::mpi::fit<small_net>(*mpi, p, line_points(20, 13), tg::softmax_cross_entropy{}, opt,
                                    {.epochs = 2, .batch_size = 5, .report = tg::progress::none});
        },
        "after epoch 1 the"));
}

BOOST_AUTO_TEST_CASE(a_stop_on_one_process_stops_every_process) {
    auto p = tg::init<small_net, double>(1);
    tg::sgd opt{0.1};
    const tg::fit_result r = tg::mpi::fit<small_net>(
        *mpi, p, line_points(20, 8), tg::softmax_cross_entropy{}, opt,
        {.epochs = 5, .batch_size = 5, .report = tg::progress::none}, [&](const tg::epoch_report& report) {
            return report.epoch == 3 && mpi->rank() == last_rank() ? tg::fit_control::stop : tg::fit_control::go_on;
        });
    BOOST_TEST(r.history.size() == 3u);
    BOOST_TEST((r.stopped == tg::fit_stop::callback));
}

// Data or options that differ between processes fail before training, on every process: a training set
// of another size or other values, another validation set, another option.
BOOST_AUTO_TEST_CASE(processes_that_disagree_stop_before_training) {
    if (mpi->size() == 1) return;
    tg::sgd opt{0.1};
    auto p = tg::init<small_net, double>(1);
    const bool last = mpi->rank() == last_rank();
    const auto data = line_points(20, 9), other = line_points(20, 10), shorter = line_points(19, 9);
    const auto refused = [&](const auto& train, const auto& validation, tg::fit_options options, std::string_view text) {
        options.report = tg::progress::none;
        return throws<tg::value_error>(
            [&] { tg::mpi::fit<small_net>(*mpi, p, train, validation, tg::softmax_cross_entropy{}, opt, options); }, text);
    };
    const auto before = p;
    BOOST_TEST(refused(last ? shorter : data, data, {}, "differ in the training set's samples"));
    BOOST_TEST(refused(last ? other : data, data, {}, "differ in the training set's values"));
    BOOST_TEST(refused(data, last ? other : data, {}, "differ in the validation set's values"));
    BOOST_TEST(refused(data, data, {.patience = last ? 3u : 2u}, "differ in fit_options::patience"));
    BOOST_TEST(refused(data, data, {.min_delta = last ? 1e-3 : 0.0}, "differ in fit_options::min_delta"));
    BOOST_TEST(max_difference(p, before) == 0);
    // Another network: found before process 0's parameters are broadcast.
    using other_net = tg::sequential<tg::dense<2, 4>, tg::relu, tg::dense<4, 2>>;
    auto q = tg::init<other_net, double>(1);
    const auto other_fit = [&] {
        if (last) tg::mpi::fit<other_net>(*mpi, q, data, tg::softmax_cross_entropy{}, opt, {.report = tg::progress::none});
        else tg::mpi::fit<small_net>(*mpi, p, data, tg::softmax_cross_entropy{}, opt, {.report = tg::progress::none});
    };
    BOOST_TEST(throws<tg::value_error>(other_fit, "differ in the network"));
    BOOST_TEST(max_difference(p, before) == 0);
}

// An input that makes the loss not finite, in the last process's shard of the first batch only: every
// process sees the summed loss, and all stop at that batch.
BOOST_AUTO_TEST_CASE(a_loss_that_is_not_finite_on_one_process_stops_every_process) {
    tg::sgd opt{0.1};
    auto p = tg::init<small_net, double>(1);
    auto data = line_points(20, 9);
    data.inputs[5][0] = std::numeric_limits<double>::quiet_NaN();  // the batch's last row: the last process's
    BOOST_TEST(throws<tg::training_error>(
        [&] {
            tg::mpi::fit<small_net>(*mpi, p, data, tg::softmax_cross_entropy{}, opt,
                                    {.batch_size = 6, .shuffle = false, .report = tg::progress::none});
        },
        "the loss is not finite at epoch 1, batch 1 of 4"));
}

// A label out of range on one process, found before training: the others hear of it.
BOOST_AUTO_TEST_CASE(a_bad_label_on_one_process_stops_every_process) {
    tg::sgd opt{0.1};
    auto p = tg::init<small_net, double>(1);
    auto labels = line_points(20, 9);
    if (mpi->rank() == last_rank()) labels.targets[3] = 7;
    const auto run = [&] { tg::mpi::fit<small_net>(*mpi, p, labels, tg::softmax_cross_entropy{}, opt, {.report = tg::progress::none}); };
    if (mpi->rank() == last_rank()) BOOST_TEST(throws<tg::value_error>(run, "label 7"));
    else BOOST_TEST(throws<tg::mpi::rank_error>(run, "label 7"));
}
