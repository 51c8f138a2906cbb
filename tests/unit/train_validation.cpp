// tg::fit's validation and early stopping: a validation set or a fraction held out with the seed,
// scored after every epoch as tg::evaluate scores it; patience on a chosen metric, min_delta, the best
// epoch's parameters restored; and the options' checks.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

using net = tg::sequential<tg::dense<2, 8>, tg::tanh, tg::dense<8, 2>>;
using P = tg::params<net, double>;
using data_t = tg::dataset<double, 2>;

data_t subset(const data_t& set, const std::vector<std::size_t>& rows) {
    data_t s;
    s.classes = set.classes;
    for (std::size_t i : rows) s.push_back(set.inputs[i], set.targets[i]);
    return s;
}

// The same points with every label flipped: the better the network learns line_points, the worse it
// does on these.
data_t flipped(data_t set) {
    for (auto& t : set.targets) t = 1 - t;
    return set;
}

// Every epoch's parameters, kept by the epoch callback.
struct keep_params {
    const P* p;
    std::vector<std::shared_ptr<P>>* kept;
    void operator()(const tg::epoch_report&) const { kept->push_back(std::make_shared<P>(*p)); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(train_validation)

BOOST_AUTO_TEST_CASE(a_validation_set_is_scored_after_every_epoch) {
    const auto train = line_points(40, 1), validation = line_points(15, 2);
    auto p = tg::init<net, double>(1);
    tg::sgd opt{0.5};
    std::vector<tg::evaluation> expected;
    const auto result = tg::fit<net>(p, train, validation, tg::softmax_cross_entropy{}, opt,
                                     {.epochs = 3, .batch_size = 8, .threads = 2, .report = tg::progress::none},
                                     [&](const tg::epoch_report&) {
                                         expected.push_back(tg::evaluate<net>(p, validation, tg::softmax_cross_entropy{}));
                                     });
    BOOST_TEST_REQUIRE(result.history.size() == 3u);
    for (std::size_t e = 0; e < 3; ++e) {
        BOOST_TEST(result.history[e].validation_loss == expected[e].loss);
        BOOST_TEST(result.history[e].validation_accuracy == expected[e].accuracy);
        BOOST_TEST(result.history[e].updates == 5u);  // every training sample trains
    }
    // Without one, the figures are NaN.
    const auto plain = tg::fit<net>(p, train, tg::softmax_cross_entropy{}, opt, {.report = tg::progress::none});
    BOOST_TEST(std::isnan(plain.history[0].validation_loss));
    BOOST_TEST(std::isnan(plain.history[0].validation_accuracy));
}

// ⌊f·N + 0.5⌋ samples held out, drawn with the seed: disjoint from the training samples, the same for a
// seed, others for another seed; fit trains on the rest and validates on them.
BOOST_AUTO_TEST_CASE(a_fraction_is_held_out_with_the_seed) {
    std::vector<std::size_t> held_out, again, other;
    const auto rest = tg::detail::split_samples(50, {.seed = 7, .validation_split = 0.25}, held_out);
    BOOST_TEST(held_out.size() == 13u);  // 12.5 rounds up
    BOOST_TEST(rest.size() == 37u);
    BOOST_TEST(std::is_sorted(held_out.begin(), held_out.end()));
    BOOST_TEST(std::is_sorted(rest.begin(), rest.end()));
    std::vector<std::size_t> all = rest;
    all.insert(all.end(), held_out.begin(), held_out.end());
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < 50; ++i) BOOST_TEST(all[i] == i);
    tg::detail::split_samples(50, {.seed = 7, .validation_split = 0.25}, again);
    tg::detail::split_samples(50, {.seed = 8, .validation_split = 0.25}, other);
    BOOST_TEST((again == held_out));
    BOOST_TEST((other != held_out));

    const auto data = line_points(50, 3);
    for (std::size_t threads : {1, 3}) {
        BOOST_TEST_CONTEXT("threads = " << threads) {
            auto p = tg::init<net, double>(2);
            tg::sgd opt{0.5};
            std::vector<double> expected;
            const auto result = tg::fit<net>(
                p, data, tg::softmax_cross_entropy{}, opt,
                {.epochs = 2, .batch_size = 10, .seed = 7, .threads = threads, .report = tg::progress::none,
                 .validation_split = 0.25},
                [&](const tg::epoch_report&) {
                    expected.push_back(tg::evaluate<net>(p, subset(data, held_out), tg::softmax_cross_entropy{}).loss);
                });
            BOOST_TEST(result.history[1].updates == 4u);  // ⌈37 / 10⌉
            BOOST_TEST(result.history[0].validation_loss == expected[0], boost::test_tools::tolerance(1e-14));
            BOOST_TEST(result.history[1].validation_loss == expected[1], boost::test_tools::tolerance(1e-14));
            // The same as training on the other 37 samples alone, in their stored order.
            auto q = tg::init<net, double>(2);
            tg::sgd same{0.5};
            tg::fit<net>(q, subset(data, rest), tg::softmax_cross_entropy{}, same,
                         {.epochs = 2, .batch_size = 10, .seed = 7, .threads = threads, .shuffle = false,
                          .report = tg::progress::none});
            auto r = tg::init<net, double>(2);
            tg::sgd unshuffled{0.5};
            tg::fit<net>(r, data, tg::softmax_cross_entropy{}, unshuffled,
                         {.epochs = 2, .batch_size = 10, .seed = 7, .threads = threads, .shuffle = false,
                          .report = tg::progress::none, .validation_split = 0.25});
            BOOST_TEST(max_difference(r, q) == 0);
        }
    }
}

// Validated on flipped labels, the validation loss is best after epoch 1 and rises after: patience 2
// stops after epoch 3; restore_best goes back to epoch 1's parameters, and without it they stay.
BOOST_AUTO_TEST_CASE(patience_stops_and_restore_best_restores) {
    const auto train = line_points(60, 4);
    const auto validation = flipped(line_points(30, 5));
    for (bool restore : {false, true}) {
        BOOST_TEST_CONTEXT("restore_best = " << restore) {
            auto p = tg::init<net, double>(3);
            tg::sgd opt{0.5};
            std::vector<std::shared_ptr<P>> kept;
            const auto result = tg::fit<net>(p, train, validation, tg::softmax_cross_entropy{}, opt,
                                             {.epochs = 20, .batch_size = 10, .threads = 1, .report = tg::progress::none,
                                              .patience = 2, .restore_best = restore},
                                             keep_params{&p, &kept});
            BOOST_TEST_REQUIRE(result.history.size() == 3u);
            BOOST_TEST(result.history[1].validation_loss > result.history[0].validation_loss);
            BOOST_TEST(result.history[2].validation_loss > result.history[0].validation_loss);
            BOOST_TEST((result.stopped == tg::fit_stop::patience));
            BOOST_TEST(result.best_epoch == 1u);
            BOOST_TEST((p == *kept[restore ? 0 : 2]));
        }
    }
}

// The training loss keeps improving: patience never stops, the best epoch is the last. An improvement
// must beat the best by more than min_delta; accuracy counts larger as better.
BOOST_AUTO_TEST_CASE(the_monitored_metric_and_min_delta) {
    const auto train = line_points(60, 6);
    const auto run = [&](tg::fit_metric monitor, double min_delta) {
        auto p = tg::init<net, double>(4);
        tg::sgd opt{0.5};
        return tg::fit<net>(p, train, tg::softmax_cross_entropy{}, opt,
                            {.epochs = 8, .batch_size = 10, .threads = 1, .report = tg::progress::none,
                             .monitor = monitor, .patience = 2, .min_delta = min_delta});
    };
    const auto loss = run(tg::fit_metric::loss, 0);
    BOOST_TEST((loss.stopped == tg::fit_stop::epochs));
    BOOST_TEST(loss.best_epoch == 8u);
    const auto never_enough = run(tg::fit_metric::loss, 100);
    BOOST_TEST((never_enough.stopped == tg::fit_stop::patience));
    BOOST_TEST(never_enough.history.size() == 3u);
    BOOST_TEST(never_enough.best_epoch == 1u);
    const auto accuracy = run(tg::fit_metric::accuracy, 0);
    const auto& h = accuracy.history;
    const auto best = std::max_element(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.accuracy < b.accuracy; });
    BOOST_TEST(accuracy.best_epoch == best->epoch);  // the first epoch of the highest accuracy
    BOOST_TEST(run(tg::fit_metric::accuracy, 1).history.size() == 3u);  // no accuracy improves by more than 1
}

BOOST_AUTO_TEST_CASE(bad_options_are_errors_naming_them) {
    const auto data = line_points(10, 7);
    const auto message_of = [&](tg::fit_options options, bool with_validation = false) {
        options.report = tg::progress::none;
        auto p = tg::init<net, double>(1);
        const auto before = p;
        tg::sgd opt{0.1};
        std::string text = "no error";
        try {
            if (with_validation) tg::fit<net>(p, data, data, tg::softmax_cross_entropy{}, opt, options);
            else tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt, options);
        } catch (const tg::value_error& e) {
            text = e.what();
            BOOST_TEST((p == before));
        }
        return text;
    };
    BOOST_TEST(message_of({.validation_split = 1.5}) ==
               "tg::fit: validation_split is 1.5, expected a fraction in (0, 1), or 0 for none");
    BOOST_TEST(message_of({.validation_split = -0.1}) ==
               "tg::fit: validation_split is -0.1, expected a fraction in (0, 1), or 0 for none");
    BOOST_TEST(message_of({.validation_split = std::numeric_limits<double>::quiet_NaN()}) ==
               "tg::fit: validation_split is nan, expected a fraction in (0, 1), or 0 for none");
    BOOST_TEST(message_of({.validation_split = 0.01}) ==
               "tg::fit: validation_split 0.01 of 10 samples holds out 0, expected at least 1 sample to validate on "
               "and 1 to train on");
    BOOST_TEST(message_of({.validation_split = 0.2}, true) ==
               "tg::fit: both a validation set and validation_split 0.2 are given, expected one");
    BOOST_TEST(message_of({.patience = 3}) ==
               "tg::fit: monitor is validation_loss, but there is no validation set: pass one to fit, set "
               "validation_split, or monitor loss");
    BOOST_TEST(message_of({.monitor = tg::fit_metric::validation_accuracy, .restore_best = true}) ==
               "tg::fit: monitor is validation_accuracy, but there is no validation set: pass one to fit, set "
               "validation_split, or monitor accuracy");
    BOOST_TEST(message_of({.patience = 1, .min_delta = -1}) == "tg::fit: min_delta is -1, expected a finite number >= 0");
    BOOST_TEST(message_of({.patience = 3}, true) == "no error");
    BOOST_TEST(message_of({.validation_split = 0.3, .patience = 3}) == "no error");

    tg::dataset<double, 2, tg::vec<double, 2>> targets;
    targets.push_back({0, 0}, {1, 1});
    targets.push_back({1, 0}, {0, 1});
    auto p = tg::init<net, double>(1);
    tg::sgd opt{0.1};
    BOOST_TEST(throws_value_error(
        [&] { tg::fit<net>(p, targets, targets, tg::mse{}, opt, {.monitor = tg::fit_metric::accuracy, .patience = 1}); },
        "tg::fit: monitor is accuracy, but the data have vector targets, expected a loss to monitor"));
    BOOST_TEST(throws_value_error([&] { tg::fit<net>(p, targets, decltype(targets){}, tg::mse{}, opt); },
                                  "tg::fit: the validation set is empty"));
}

BOOST_AUTO_TEST_CASE(the_progress_line_shows_the_validation_figures) {
    const auto data = line_points(20, 8);
    std::ostringstream text;
    std::streambuf* old = std::cerr.rdbuf(text.rdbuf());
    auto p = tg::init<net, double>(1);
    tg::sgd opt{0.1};
    const auto result = tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                                     {.epochs = 1, .report = tg::progress::lines, .validation_split = 0.2});
    std::cerr.rdbuf(old);
    const auto& r = result.history[0];
    BOOST_TEST(text.str().find(tg::detail::format("  validation loss %.4f  accuracy %.4f  1 updates", r.validation_loss,
                                                  r.validation_accuracy)) != std::string::npos,
               text.str());
}

BOOST_AUTO_TEST_SUITE_END()
