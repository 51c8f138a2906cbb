// Learning-rate schedules: each one's values against numbers worked by hand (PyTorch's formulas),
// their hyper-parameter checks, and tg::scheduled inside tg::fit per epoch and per update, on the
// step path and on the threads' split step. tests/interop/torch_schedules.py checks them against
// PyTorch's schedulers.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

using net = tg::sequential<tg::dense<2, 8>, tg::tanh, tg::dense<8, 2>>;
using P = tg::params<net, double>;

template <tg::lr_schedule S>
std::vector<double> values(const S& s, double base, std::size_t n) {
    std::vector<double> v;
    for (std::size_t t = 0; t < n; ++t) v.push_back(s.lr(base, t));
    return v;
}

void check_values(const std::vector<double>& got, const std::vector<double>& expected) {
    BOOST_TEST_REQUIRE(got.size() == expected.size());
    for (std::size_t t = 0; t < got.size(); ++t)
        BOOST_TEST_CONTEXT("t = " << t) { BOOST_TEST(got[t] == expected[t], boost::test_tools::tolerance(1e-14)); }
}

// An sgd that records the learning rate of every step (it cannot split its step between threads).
struct recording_sgd {
    double lr;
    std::vector<double>* rates;
    void step(P& p, const P& grad) {
        rates->push_back(lr);
        tg::sgd{lr}.step(p, grad);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(optim_schedule)

BOOST_AUTO_TEST_CASE(values_worked_by_hand) {
    static_assert(tg::lr_schedule<tg::step_lr> && tg::lr_schedule<tg::cosine_lr> && !tg::lr_schedule<tg::sgd>);
    check_values(values(tg::step_lr{.step_size = 2, .gamma = 0.5}, 0.1, 6), {0.1, 0.1, 0.05, 0.05, 0.025, 0.025});
    check_values(values(tg::exponential_lr{.gamma = 0.9}, 2, 4), {2, 1.8, 1.62, 1.458});
    // (1 + cos(π/4)) / 2 = 0.8535533905932737, (1 − cos(π/4)) / 2 = 0.1464466094067262; back up after the period.
    check_values(values(tg::cosine_lr{.period = 4}, 1, 9),
                 {1, 0.8535533905932737, 0.5, 0.1464466094067262, 0, 0.1464466094067262, 0.5, 0.8535533905932737, 1});
    check_values(values(tg::cosine_lr{.period = 4, .min_lr = 0.1}, 1.1, 3), {1.1, 0.9535533905932737, 0.6});
    check_values(values(tg::linear_lr{.start_factor = 0.25, .end_factor = 1, .steps = 3}, 0.4, 5),
                 {0.1, 0.2, 0.3, 0.4, 0.4});
    check_values(values(tg::linear_lr{}, 3, 7), {1, 1.4, 1.8, 2.2, 2.6, 3, 3});  // PyTorch's defaults: 1/3 → 1 in 5
    const tg::sequential_lr warm_then_cosine{tg::linear_lr{.start_factor = 0.25, .steps = 3}, 3, tg::cosine_lr{.period = 4}};
    check_values(values(warm_then_cosine, 0.4, 9),
                 {0.1, 0.2, 0.3, 0.4, 0.4 * 0.8535533905932737, 0.2, 0.4 * 0.1464466094067262, 0, 0.4 * 0.1464466094067262});
}

BOOST_AUTO_TEST_CASE(bad_hyper_parameters_are_errors_naming_them) {
    const auto check = [](auto schedule, const char* text) {
        BOOST_TEST_CONTEXT(text) { BOOST_TEST(throws_value_error([&] { schedule.check(); }, text)); }
    };
    check(tg::step_lr{.step_size = 0}, "tg::step_lr: step_size is 0, expected at least 1");
    check(tg::step_lr{.step_size = 1, .gamma = -0.5}, "tg::step_lr: gamma is -0.5, expected a finite number >= 0");
    check(tg::exponential_lr{.gamma = NAN}, "tg::exponential_lr: gamma is nan, expected a finite number >= 0");
    check(tg::cosine_lr{.period = 0}, "tg::cosine_lr: period is 0, expected at least 1");
    check(tg::cosine_lr{.period = 3, .min_lr = -1}, "tg::cosine_lr: min_lr is -1, expected a finite number >= 0");
    check(tg::linear_lr{.start_factor = 0}, "tg::linear_lr: start_factor is 0, expected a number in (0, 1]");
    check(tg::linear_lr{.end_factor = 1.5}, "tg::linear_lr: end_factor is 1.5, expected a number in [0, 1]");
    check(tg::linear_lr{.steps = 0}, "tg::linear_lr: steps is 0, expected at least 1");
    check(tg::sequential_lr{tg::linear_lr{}, 0, tg::cosine_lr{.period = 2}},
          "tg::sequential_lr: milestone is 0, expected at least 1");
    check(tg::sequential_lr{tg::linear_lr{}, 5, tg::cosine_lr{.period = 0}}, "tg::cosine_lr: period is 0");

    // fit checks the schedule and the base rate before it trains.
    const auto data = line_points(12, 1);
    auto p = tg::init<net, double>(1);
    const auto before = p;
    tg::scheduled bad{tg::sgd{0.1}, tg::cosine_lr{.period = 0}};
    BOOST_TEST(throws_value_error([&] { tg::fit<net>(p, data, tg::softmax_cross_entropy{}, bad, {.report = tg::progress::none}); },
                                  "tg::cosine_lr: period is 0, expected at least 1"));
    tg::scheduled negative{tg::adam{-1e-3}, tg::step_lr{.step_size = 1}};
    BOOST_TEST(throws_value_error(
        [&] { tg::fit<net>(p, data, tg::softmax_cross_entropy{}, negative, {.report = tg::progress::none}); },
        "tg::scheduled: base_lr is -0.001, expected a finite number >= 0"));
    BOOST_TEST(max_difference(p, before) == 0);
}

// 10 samples in batches of 4: 3 updates per epoch.
BOOST_AUTO_TEST_CASE(fit_applies_a_schedule_per_epoch_or_per_update) {
    const auto data = line_points(10, 2);
    const tg::step_lr halve{.step_size = 1, .gamma = 0.5};
    for (tg::per unit : {tg::per::epoch, tg::per::update}) {
        std::vector<double> rates;
        tg::scheduled opt{recording_sgd{0.8, &rates}, halve, unit};
        static_assert(tg::optimizer<decltype(opt), P> && !tg::splittable_optimizer<decltype(opt), P>);
        static_assert(tg::epoch_counting<decltype(opt)>);
        auto p = tg::init<net, double>(2);
        std::vector<double> seen;  // the next update's rate, as the callback sees it
        tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt,
                     {.epochs = 3, .batch_size = 4, .threads = 1, .report = tg::progress::none},
                     [&](const tg::epoch_report&) { seen.push_back(opt.lr()); });
        if (unit == tg::per::epoch) {
            check_values(rates, {0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2});
            check_values(seen, {0.4, 0.2, 0.1});  // called once the epoch is counted: the next epoch's rate
        } else {
            check_values(rates, values(halve, 0.8, 9));
            check_values(seen, {0.8 / 8, 0.8 / 64, 0.8 / 512});
        }
        BOOST_TEST(opt.epochs() == 3u);
        BOOST_TEST(opt.updates() == 9u);
        BOOST_TEST(opt.base_lr == 0.8);
    }
}

// On the threads' split step (start_step), 2 epochs of scheduled sgd equal an epoch at each rate.
BOOST_AUTO_TEST_CASE(a_schedule_on_the_split_step_equals_epochs_at_each_rate) {
    const auto data = line_points(30, 3);
    for (std::size_t threads : {1, 2, 3}) {
        BOOST_TEST_CONTEXT("threads = " << threads) {
            const tg::fit_options options{.epochs = 1, .batch_size = 7, .threads = threads, .shuffle = false,
                                          .report = tg::progress::none};
            auto expected = tg::init<net, double>(4);
            for (double lr : {0.5, 0.25}) {
                tg::sgd sgd{lr};
                tg::fit<net>(expected, data, tg::softmax_cross_entropy{}, sgd, options);
            }
            auto p = tg::init<net, double>(4);
            tg::scheduled opt{tg::sgd{0.5}, tg::step_lr{.step_size = 1, .gamma = 0.5}};
            static_assert(tg::splittable_optimizer<decltype(opt), P>);
            auto two = options;
            two.epochs = 2;
            tg::fit<net>(p, data, tg::softmax_cross_entropy{}, opt, two);
            BOOST_TEST(max_difference(p, expected) == 0);
            BOOST_TEST(opt.optimizer.lr == 0.25);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
