// tg::predict: the outputs of the batch path, threaded, equal tg::forward's for every sample, in
// inference mode (dropout off, batch_norm on its running statistics); bad sizes are errors.
#define BOOST_TEST_MODULE train_predict
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <span>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using namespace net_support;

namespace {

using net = tg::sequential<tg::dense<3, 8>, tg::batch_norm, tg::relu, tg::dropout<50>, tg::dense<8, 5>>;
constexpr std::size_t samples = 50;  // not a multiple of the batch sizes below

tg::params<net, double> trained_looking_params() {
    auto p = random_params<net>(3);
    tg::rng r{5};
    for (auto& m : tg::get<1>(p).running_mean) m = r.uniform(-0.5, 0.5);
    for (auto& v : tg::get<1>(p).running_var) v = r.uniform(0.5, 2.0);
    return p;
}

double largest_difference(const std::vector<tg::vec<double, 5>>& got, const std::vector<tg::vec<double, 3>>& xs,
                          const tg::params<net, double>& p) {
    double worst = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const auto want = tg::forward<net>(p, xs[i]);
        for (std::size_t j = 0; j < 5; ++j) worst = std::max(worst, std::abs(got[i][j] - want[j]));
    }
    return worst;
}

}  // namespace

BOOST_AUTO_TEST_CASE(equals_forward_for_every_sample_and_thread_count) {
    const auto p = trained_looking_params();
    const auto xs = random_vecs<double, 3>(samples, 11);
    for (std::size_t threads : {1, 2, 3})
        for (std::size_t batch_size : {1, 7, 64}) {
            const auto ys = tg::predict<net>(p, xs, {.batch_size = batch_size, .threads = threads});
            BOOST_REQUIRE_EQUAL(ys.size(), samples);
            BOOST_TEST(largest_difference(ys, xs, p) < 1e-13, "threads " << threads << ", batch_size " << batch_size);
        }
}

BOOST_AUTO_TEST_CASE(a_dataset_and_a_caller_s_output_span) {
    const auto p = trained_looking_params();
    tg::dataset<double, 3> set;
    for (const auto& x : random_vecs<double, 3>(samples, 12)) set.push_back(x, 0);
    const auto ys = tg::predict<net>(p, set, {.batch_size = 16});
    BOOST_TEST(largest_difference(ys, set.inputs, p) < 1e-13);

    std::vector<tg::vec<double, 5>> out(samples);
    tg::predict<net>(p, set.inputs, out, {.batch_size = 9, .threads = 2});
    BOOST_TEST(largest_difference(out, set.inputs, p) < 1e-13);
    // A part of the samples into a part of the outputs, through spans.
    std::vector<tg::vec<double, 5>> some(3);
    tg::predict<net>(p, std::span(set.inputs).subspan(10, 3), some);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(some[i][0] == ys[10 + i][0], boost::test_tools::tolerance(1e-13));
}

BOOST_AUTO_TEST_CASE(no_samples_give_no_outputs) {
    const auto p = trained_looking_params();
    BOOST_TEST(tg::predict<net>(p, std::vector<tg::vec<double, 3>>{}).empty());
}

BOOST_AUTO_TEST_CASE(bad_sizes_are_errors) {
    const auto p = trained_looking_params();
    const auto xs = random_vecs<double, 3>(4, 13);
    std::vector<tg::vec<double, 5>> out(3);
    BOOST_TEST(throws_value_error([&] { tg::predict<net>(p, xs, out); },
                                  "tg::predict: 4 inputs but room for 3 outputs, expected one output per input"));
    BOOST_TEST(throws_value_error([&] { tg::predict<net>(p, xs, {.batch_size = 0}); },
                                  "tg::predict: batch_size is 0, expected at least 1"));
}
