// tg::dropout<KeepPercent>: the fraction of kept outputs at sizes 1 to 67, the 100 / KeepPercent
// scaling, the identity at inference, masks that depend on the batch key and the row's place in the
// whole batch only (so tg::fit gives the same result on 1 and 2 threads), the per-sample generator,
// and finite-difference gradients through a fixed mask on both paths.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string_view>
#include <tuple>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "net_support.hpp"

namespace tg = typegrad;
using net_support::random_rows;
using namespace net_support;

static_assert(tg::layer<tg::dropout<80>> && tg::layer<tg::dropout<50>, double, 17>);
static_assert(tg::batch_layer<tg::dropout<80>> && tg::batch_layer<tg::dropout<1>, double, 67>);
static_assert(tg::sequential<tg::dense<3, 5>, tg::dropout<80>>::out_size == 5);
static_assert(tg::sequential<tg::dense<3, 5>, tg::dropout<80>>::param_count == 20);

namespace {

// Runs rows [0, n) of x through dropout<K>'s batch forward with info, and returns the output rows.
template <int K, class T, std::size_t N>
tg::rows<T, N> dropped(const tg::rows<T, N>& x, std::size_t n, const tg::batch_info& info) {
    tg::rows<T, N> y(n);
    tg::dropout_state<T, N> state(n);
    tg::dropout<K>::forward_batch(tg::no_params{}, n, x, y, state, info);
    return y;
}

// Over many rows of ones: the kept fraction overall and in every column (the last, odd column of a
// row takes the high half of a draw, the others alternate) is K / 100 within 5 standard deviations,
// and every kept output is 100 / K exactly.
template <int K, class T, std::size_t N>
void check_keep_fraction() {
    const std::size_t n = std::max<std::size_t>(600, 60000 / N);
    tg::rows<T, N> ones(n);
    std::fill_n(ones.data(), n * N, T(1));
    const auto y = dropped<K>(ones, n, {tg::mode::training, 12345});
    const double p = K / 100.0;
    std::vector<std::size_t> kept(N);
    bool scaled = true;
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t j = 0; j < N; ++j) {
            const T v = y.row(r)[j];
            kept[j] += v != 0;
            scaled = scaled && (v == 0 || v == T(100) / T(K));
        }
    BOOST_TEST(scaled);
    std::size_t total = 0;
    for (std::size_t j = 0; j < N; ++j) {
        total += kept[j];
        const double column = double(kept[j]) / double(n);
        BOOST_TEST(std::abs(column - p) <= 5 * std::sqrt(p * (1 - p) / double(n)) + 1e-12, "column " << j);
    }
    const double m = double(n * N);
    BOOST_TEST(std::abs(double(total) / m - p) <= 5 * std::sqrt(p * (1 - p) / m) + 1e-12);
}

template <int K, class T>
void check_keep_fraction_at_every_size() {
    check_keep_fraction<K, T, 1>();
    check_keep_fraction<K, T, 3>();
    check_keep_fraction<K, T, 5>();
    check_keep_fraction<K, T, 10>();
    check_keep_fraction<K, T, 17>();
    check_keep_fraction<K, T, 67>();
}

using net = tg::sequential<tg::dense<5, 17>, tg::tanh, tg::dropout<70>, tg::dense<17, 3>>;

}  // namespace

BOOST_AUTO_TEST_SUITE(layer_dropout)

BOOST_AUTO_TEST_CASE(keeps_keep_percent_of_the_outputs_at_every_size) {
    check_keep_fraction_at_every_size<80, float>();
    check_keep_fraction_at_every_size<80, double>();
    check_keep_fraction_at_every_size<50, float>();
    check_keep_fraction_at_every_size<10, double>();
    check_keep_fraction_at_every_size<97, float>();
}

BOOST_AUTO_TEST_CASE(kept_outputs_are_scaled_by_100_over_keep_percent) {
    const auto x = random_rows<float, 10>(50, 1);
    const auto y = dropped<80>(x, 50, {tg::mode::training, 7});
    std::size_t kept = 0, dropped_count = 0;
    for (std::size_t i = 0; i < 500; ++i) {
        const float out = y.data()[i];
        if (out == 0) ++dropped_count;
        else BOOST_TEST(out == x.data()[i] * 1.25f);
        kept += out != 0;
    }
    BOOST_TEST(kept > 0u);
    BOOST_TEST(dropped_count > 0u);
    // 100 percent keeps everything, unscaled.
    const auto all = dropped<100>(x, 50, {tg::mode::training, 7});
    BOOST_TEST(std::equal(all.data(), all.data() + 500, x.data()));
}

BOOST_AUTO_TEST_CASE(inference_is_the_identity) {
    const auto x = random_rows<double, 17>(9, 2);
    const auto y = dropped<30>(x, 9, {tg::mode::inference, 7});
    BOOST_TEST(std::equal(y.data(), y.data() + 9 * 17, x.data()));

    const tg::vec<double, 3> v{1.5, -2, 0.25};
    tg::dropout_cache<double, 3> cache;
    BOOST_TEST((tg::dropout<30>::forward(tg::no_params{}, v, cache, tg::mode::inference) == v));
    tg::no_params none;
    BOOST_TEST((tg::dropout<30>::backward(tg::no_params{}, cache, v, none) == v));

    using small = tg::sequential<tg::dense<2, 3>, tg::dropout<10>>;
    const auto p = tg::init<small, double>(3);
    const tg::vec<double, 2> in{0.5, -1};
    tg::workspace<small, double> ws;
    BOOST_TEST((tg::forward<small>(p, in) == tg::forward<small>(p, in, ws, tg::mode::inference)));
    using no_dropout = tg::sequential<tg::dense<2, 3>>;
    tg::params<no_dropout, double> q{};
    tg::get<0>(q) = tg::get<0>(p);
    BOOST_TEST((tg::forward<small>(p, in) == tg::forward<no_dropout>(q, in)));
}

// A row's mask depends on the key and its index in the whole batch: rows [0, 17) in one pass equal
// rows [0, 6) and [6, 17) in two passes whose first_row says where they start.
BOOST_AUTO_TEST_CASE(masks_depend_on_the_key_and_the_row_in_the_whole_batch) {
    tg::rows<double, 5> ones(17);
    std::fill_n(ones.data(), 17 * 5, 1.0);
    const auto whole = dropped<50>(ones, 17, {tg::mode::training, 99});
    const auto head = dropped<50>(ones, 6, {tg::mode::training, 99, 0});
    const auto tail = dropped<50>(ones, 11, {tg::mode::training, 99, 6});
    BOOST_TEST(std::equal(head.data(), head.data() + 6 * 5, whole.data()));
    BOOST_TEST(std::equal(tail.data(), tail.data() + 11 * 5, whole.row(6)));

    const auto again = dropped<50>(ones, 17, {tg::mode::training, 99});
    BOOST_TEST(std::equal(again.data(), again.data() + 17 * 5, whole.data()));
    const auto other_key = dropped<50>(ones, 17, {tg::mode::training, 100});
    BOOST_TEST(!std::equal(other_key.data(), other_key.data() + 17 * 5, whole.data()));
    // Rows differ from each other (row r is not row 0's stream shifted).
    BOOST_TEST(!std::equal(whole.row(0), whole.row(0) + 5 * 8, whole.row(1)));
}

// The per-sample path draws from a generator in the workspace: a fresh workspace draws the same
// masks, a kept one draws new masks, and a seeded one is reproducible.
BOOST_AUTO_TEST_CASE(per_sample_masks_come_from_the_workspace_generator) {
    using wide = tg::sequential<tg::dense<4, 64>, tg::dropout<50>>;
    const auto p = tg::init<wide, double>(1);
    const tg::vec<double, 4> x{1, 2, 3, 4};
    tg::workspace<wide, double> a, b;
    const auto first = tg::forward<wide>(p, x, a, tg::mode::training);
    BOOST_TEST((tg::forward<wide>(p, x, b, tg::mode::training) == first));
    BOOST_TEST(!(tg::forward<wide>(p, x, a, tg::mode::training) == first));
    tg::get<1>(a).generator = tg::rng{42};
    tg::get<1>(b).generator = tg::rng{42};
    BOOST_TEST((tg::forward<wide>(p, x, a, tg::mode::training) == tg::forward<wide>(p, x, b, tg::mode::training)));
    std::size_t kept = 0;
    for (double k : tg::get<1>(a).mask) {
        BOOST_TEST((k == 0 || k == 2));
        kept += k != 0;
    }
    BOOST_TEST((kept > 16 && kept < 48));
}

namespace {

// Six dropout layers of one size: two in the chain, one in a nested sequential, two as concat's
// branches (the second in a nested sequential), one in a residual block. Each draws masks of its
// own, on the batch path and the per-sample path, while the first draws what the only dropout layer
// of a network draws (draw 0 keeps the key and the seed).
using many = tg::sequential<tg::dense<4, 64>, tg::dropout<50>, tg::dropout<50>, tg::sequential<tg::dropout<50>>,
                            tg::concat<tg::dropout<50>, tg::sequential<tg::dropout<50>>>, tg::dense<128, 64>,
                            tg::residual<tg::dropout<50>>>;
using one = tg::sequential<tg::dense<4, 64>, tg::dropout<50>>;
static_assert(many::draw_offsets == std::array<std::size_t, 8>{0, 0, 1, 2, 3, 5, 5, 6});
static_assert(tg::draws_randomly<tg::dropout<50>, double, 3> && !tg::draws_randomly<tg::relu, double, 3>);

// True when no two of the masks (each n values) are equal.
bool all_differ(const std::vector<const double*>& masks, std::size_t n) {
    for (std::size_t a = 0; a < masks.size(); ++a)
        for (std::size_t b = a + 1; b < masks.size(); ++b)
            if (std::equal(masks[a], masks[a] + n, masks[b])) return false;
    return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_dropout_layer_draws_masks_of_its_own) {
    const auto p = tg::init<many, double>(1);
    const auto q = tg::init<one, double>(1);
    const tg::vec<double, 4> x{1, 2, 3, 4};

    tg::batch_workspace<many, double> ws(3);
    tg::batch_workspace<one, double> ws_one(3);
    for (std::size_t r = 0; r < 3; ++r) {
        ws.set_input(r, x);
        ws_one.set_input(r, x);
    }
    tg::forward_batch<many>(p, ws, 3, {tg::mode::training, 77});
    tg::forward_batch<one>(q, ws_one, 3, {tg::mode::training, 77});
    auto& branches = ws.state<4>().branches;
    for (std::size_t r = 0; r < 3; ++r) {
        BOOST_TEST(all_differ({ws.state<1>().mask.row(r), ws.state<2>().mask.row(r),
                               ws.state<3>().inner.state<0>().mask.row(r), std::get<0>(branches).state.mask.row(r),
                               std::get<1>(branches).state.inner.state<0>().mask.row(r),
                               ws.state<6>().inner.state<0>().mask.row(r)},
                              64),
                   "row " << r);
        BOOST_TEST(std::equal(ws.state<1>().mask.row(r), ws.state<1>().mask.row(r) + 64, ws_one.state<1>().mask.row(r)));
    }

    tg::workspace<many, double> cache;
    tg::workspace<one, double> cache_one;
    static_cast<void>(tg::forward<many>(p, x, cache, tg::mode::training));
    static_cast<void>(tg::forward<one>(q, x, cache_one, tg::mode::training));
    BOOST_TEST(all_differ({tg::get<1>(cache).mask.data(), tg::get<2>(cache).mask.data(),
                           tg::get<0>(tg::get<3>(cache)).mask.data(),
                           tg::detail::slot_value<0>(tg::get<4>(cache)).mask.data(),
                           tg::get<0>(tg::detail::slot_value<1>(tg::get<4>(cache))).mask.data(),
                           tg::get<0>(tg::get<6>(cache)).mask.data()},
                          64));
    BOOST_TEST((tg::get<1>(cache).mask == tg::get<1>(cache_one).mask));
}

// value_and_grad_batch against central differences with the masks fixed by the key, at batch sizes
// 1, 3, 5 and 17, in double.
BOOST_AUTO_TEST_CASE(batch_gradient_matches_finite_differences_with_a_fixed_mask) {
    for (std::size_t n : {1, 3, 5, 17}) {
        BOOST_TEST_CONTEXT("n = " << n) {
            auto p = random_params<net>(n);
            const auto xs = random_vecs<double, 5>(n, n + 1);
            const auto targets = random_vecs<double, 3>(n, n + 2);
            const tg::batch_info info{tg::mode::training, 1234 + n};
            tg::batch_workspace<net, double> ws(n);
            tg::params<net, double> grad{};
            tg::value_and_grad_batch<net>(p, ws, xs, targets, tg::mse{}, grad, info);

            auto mean_loss = [&] {
                for (std::size_t r = 0; r < n; ++r) ws.set_input(r, xs[r]);
                tg::forward_batch<net>(p, ws, n, info);
                double sum = 0;
                for (std::size_t r = 0; r < n; ++r) {
                    tg::vec<double, 3> y;
                    std::copy_n(ws.output(r), 3, y.data());
                    sum += tg::mse{}.value(y, targets[r]);
                }
                return sum / double(n);
            };
            BOOST_TEST(gradient_check::worst_over_params(p, grad, mean_loss) <= 1e-6);
        }
    }
}

// The per-sample path: the same check, the workspace's generator restored before every pass so
// that every pass draws the same mask; and the gradient is zero exactly where the mask dropped.
BOOST_AUTO_TEST_CASE(per_sample_gradient_matches_finite_differences_with_a_fixed_mask) {
    auto p = random_params<net>(8);
    const auto x = random_vecs<double, 5>(1, 9)[0];
    const auto target = random_vecs<double, 3>(1, 10)[0];
    tg::workspace<net, double> start;
    tg::get<2>(start).generator = tg::rng{77};
    auto ws = start;
    tg::params<net, double> grad{};
    tg::value_and_grad<net>(p, x, target, tg::mse{}, grad, ws);
    const auto mask = tg::get<2>(ws).mask;

    auto loss = [&] {
        auto fresh = start;
        return tg::mse{}.value(tg::forward<net>(p, x, fresh, tg::mode::training), target);
    };
    BOOST_TEST(gradient_check::worst_over_params(p, grad, loss) <= 1e-6);
    for (std::size_t j = 0; j < 17; ++j)
        if (mask[j] == 0) BOOST_TEST(tg::get<0>(grad).b[j] == 0.0);
}

// fit's masks (two dropout layers') do not depend on how it splits a batch over threads: 1, 2 and 3
// threads train to the same parameters up to rounding, which other seeds (other masks) do not.
BOOST_AUTO_TEST_CASE(fit_gives_the_same_parameters_on_1_2_and_3_threads) {
    using two_d = tg::sequential<tg::dense<2, 16>, tg::tanh, tg::dropout<60>, tg::dense<16, 16>, tg::tanh,
                                 tg::dropout<90>, tg::dense<16, 2>>;
    const auto data = line_points(300, 5);
    const auto train = [&](std::size_t threads, std::uint64_t seed) {
        auto p = tg::init<two_d, double>(1);
        tg::sgd opt{0.2};
        tg::fit<two_d>(p, data, tg::softmax_cross_entropy{}, opt,
                       {.epochs = 3, .batch_size = 17, .seed = seed, .threads = threads, .report = tg::progress::none});
        return p;
    };
    const auto one = train(1, 3);
    BOOST_TEST(max_difference(train(2, 3), one) <= 1e-12);
    BOOST_TEST(max_difference(train(3, 3), one) <= 1e-12);
    BOOST_TEST(max_difference(train(1, 4), one) > 1e-3);
    BOOST_TEST(tg::accuracy<two_d>(one, data) > 0.9);
}

BOOST_AUTO_TEST_SUITE_END()
