// The gates' activations of tg::lstm and tg::gru (layers/detail/recurrent.hpp), on SIMD batches of
// every instruction set: detail::logistic within 2.6e-7 of σ(z) and detail::gate_tanh within 4.2e-7
// of tanh(z) relatively, over every 1009th float of each sign and the worst inputs of every float
// (exhaustive runs measured 2.03e-7 and 3.92e-7 with FMA, x86-64-v3 and v4, and 2.54e-7 at
// 0x1.1f269p+4 and 4.10e-7 at 0x1.38a1fp-1 without); special values.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "activation_support.hpp"

namespace tg = typegrad;

namespace {

using B = tg::simd::batch<float>;

// f of each of z, a SIMD batch at a time (the last one padded with zeros).
template <class F>
std::vector<float> batched(const std::vector<float>& z, F f) {
    std::vector<float> padded(z), y(z.size() + B::size);
    padded.resize(z.size() + B::size);
    for (std::size_t i = 0; i < z.size(); i += B::size)
        f(B::load_unaligned(padded.data() + i)).store_unaligned(y.data() + i);
    y.resize(z.size());
    return y;
}

std::vector<float> logistic(const std::vector<float>& z) {
    return batched(z, [](B v) { return tg::detail::logistic(v); });
}

std::vector<float> gate_tanh(const std::vector<float>& z) {
    return batched(z, [](B v) { return tg::detail::gate_tanh(v); });
}

// The sampled floats and the worst inputs of σ and of tanh found without FMA.
std::vector<float> sampled_floats() { return activation_test::sampled_floats({0x1.1f269p+4f, 0x1.38a1fp-1f}); }

}  // namespace

BOOST_AUTO_TEST_SUITE(activation_gates)

BOOST_AUTO_TEST_CASE(logistic_within_its_bound_of_sigma) {
    const std::vector<float> z = sampled_floats();
    const std::vector<float> y = logistic(z);
    double worst = 0;
    for (std::size_t i = 0; i < z.size(); ++i)
        worst = std::max(worst, std::fabs(double(y[i]) - 1 / (1 + std::exp(-double(z[i])))));
    BOOST_TEST_MESSAGE("gate logistic: max absolute error " << worst);
    BOOST_TEST(worst <= 2.6e-7);
    BOOST_TEST(worst > 1e-8);  // the check sees the approximation's error, so it can fail
}

BOOST_AUTO_TEST_CASE(gate_tanh_within_its_bound_of_tanh) {
    const std::vector<float> z = sampled_floats();
    const std::vector<float> y = gate_tanh(z);
    double worst = 0;
    bool odd = true;
    for (std::size_t i = 0; i < z.size(); ++i) {
        const double exact = std::tanh(double(z[i]));
        worst = std::max(worst, exact == 0 ? std::fabs(double(y[i])) : std::fabs(y[i] - exact) / std::fabs(exact));
        if (i % 2 == 1) odd = odd && y[i] == -y[i - 1];
    }
    BOOST_TEST_MESSAGE("gate tanh: max relative error " << worst);
    BOOST_TEST(worst <= 4.2e-7);
    BOOST_TEST(worst > 1e-8);
    BOOST_TEST(odd);
}

BOOST_AUTO_TEST_CASE(special_values) {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> z{0.0f, 1e-30f, -1e-20f, std::numeric_limits<float>::denorm_min(), inf, -inf, nan, 100.0f};
    const std::vector<float> s = logistic(z), t = gate_tanh(z);
    BOOST_TEST(s[0] == 0.5f);
    BOOST_TEST(s[1] == 0.5f);
    BOOST_TEST(std::fabs(s[4] - 1.0f) <= 2.6e-7f);
    BOOST_TEST(std::fabs(s[5]) <= 2.6e-7f);
    BOOST_TEST(std::isnan(s[6]));
    BOOST_TEST(std::fabs(s[7] - 1.0f) <= 2.6e-7f);
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(t[i] == z[i]);  // below 2^-12, P and Q round to 1
    BOOST_TEST(std::fabs(t[4] - 1.0f) <= 4.2e-7f);
    BOOST_TEST(t[5] == -t[4]);
    BOOST_TEST(std::isnan(t[6]));
}

BOOST_AUTO_TEST_CASE(double_batches_are_exact) {
    using D = tg::simd::batch<double>;
    for (double z : {-30.0, -3.0, -0.5, 1e-9, 0.25, 2.0, 7.5, 30.0}) {
        const double s = tg::detail::logistic(D(z)).get(0), t = tg::detail::gate_tanh(D(z)).get(0);
        const double exact_s = 1 / (1 + std::exp(-z)), exact_t = std::tanh(z);
        BOOST_TEST(std::fabs(s - exact_s) <= 1e-15 * exact_s);
        BOOST_TEST(std::fabs(t - exact_t) <= 1e-15 * std::fabs(exact_t));
    }
}

BOOST_AUTO_TEST_SUITE_END()
