// tg::inference_params (parameters laid out for per-sample inference: dense keeps Wᵀ) and
// tg::forward on them: the same outputs as tg::forward on the params, within rounding, for every
// layer kind, narrow, wide and odd sizes, float and double; in a constant expression for the
// seed's two-line network; and a copy, which does not follow later changes to the params.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

using small = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 16>, tg::relu, tg::dense<16, 1>>;
using wide = tg::sequential<tg::dense<16, 64>, tg::tanh, tg::dense<64, 64>, tg::tanh, tg::dense<64, 16>>;
using odd = tg::sequential<tg::dense<3, 17>, tg::sigmoid, tg::dense<17, 70>, tg::identity, tg::dense<70, 5>,
                           tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>, tg::dense<5, 33>, tg::tanh,
                           tg::dense<33, 4>, tg::softmax>;
using narrow = tg::sequential<tg::dense<1, 3>, tg::relu, tg::dense<3, 2>, tg::sign, tg::dense<2, 1>>;
using single = tg::sequential<tg::dense<80, 130>>;

template <class Net, class T>
double worst_difference() {
    auto p = tg::init<Net, T>(9);
    // Non-zero biases, so that a lost bias shows.
    tg::for_each_tensor(
        [](std::size_t, std::string_view name, auto& t) {
            if (name == "bias")
                for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = T(0.1) * T(std::cos(double(i)));
        },
        p);
    const tg::inference_params<Net, T> ip(p);
    double worst = 0;
    for (std::size_t s = 0; s < 20; ++s) {
        tg::vec<T, Net::in_size> x;
        for (std::size_t i = 0; i < Net::in_size; ++i) x[i] = T(std::sin(double(5 * s + 3 * i + 1)));
        const auto a = tg::forward<Net>(p, x);
        const auto b = tg::forward<Net>(ip, x);
        for (std::size_t i = 0; i < Net::out_size; ++i)
            worst = std::max(worst, std::abs(double(a[i]) - double(b[i])) / (1 + std::abs(double(a[i]))));
    }
    return worst;
}

template <class T>
void all_nets(double tolerance) {
    BOOST_TEST((worst_difference<small, T>()) <= tolerance);
    BOOST_TEST((worst_difference<wide, T>()) <= tolerance);
    BOOST_TEST((worst_difference<odd, T>()) <= tolerance);
    BOOST_TEST((worst_difference<narrow, T>()) <= tolerance);
    BOOST_TEST((worst_difference<single, T>()) <= tolerance);
}

// The seed's two-line network (WORKED-EXAMPLES.md item 6), prepared and run by the compiler.
using two_lines = tg::sequential<tg::dense<2, 2>, tg::sign, tg::dense<2, 1>, tg::sign>;
constexpr tg::params<two_lines> seed_params = [] {
    tg::params<two_lines> p{};
    tg::get<0>(p).W = {3, -1, -3, 2};
    tg::get<0>(p).b = {0, 3};
    tg::get<2>(p).W = {1, 1};
    tg::get<2>(p).b = {0};
    return p;
}();
constexpr tg::inference_params<two_lines> seed_prepared(seed_params);
static_assert(tg::forward<two_lines>(seed_prepared, tg::vec<float, 2>{4, 8})[0] == 1);
static_assert(tg::forward<two_lines>(seed_prepared, tg::vec<float, 2>{4, 0})[0] == 0);
static_assert(tg::forward<two_lines>(seed_prepared, tg::vec<float, 2>{-2, -5})[0] == -1);

}  // namespace

BOOST_AUTO_TEST_SUITE(inference_params)

BOOST_AUTO_TEST_CASE(same_outputs_as_forward_in_float) { all_nets<float>(2e-6); }
BOOST_AUTO_TEST_CASE(same_outputs_as_forward_in_double) { all_nets<double>(1e-13); }

BOOST_AUTO_TEST_CASE(a_copy_made_once) {
    auto p = tg::init<small>(3);
    const tg::inference_params<small> before(p);
    const tg::vec<float, 2> x{0.5f, -0.25f};
    const float y = tg::forward<small>(before, x)[0];
    tg::get<4>(p).b[0] += 1;
    BOOST_TEST(tg::forward<small>(before, x)[0] == y);
    BOOST_TEST(std::abs(tg::forward<small>(tg::inference_params<small>(p), x)[0] - (y + 1)) < 1e-5);
}

BOOST_AUTO_TEST_SUITE_END()
