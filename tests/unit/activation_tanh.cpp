// The float tanh of the tanh layer (a rational approximation, layers/detail/math.hpp) against
// std::tanh in double: relative error at most 4.2e-7 over every 1009th float from 0 to infinity and
// the worst input of every float without FMA (exhaustive runs measured 3.92e-7 with FMA, x86-64-v3 and
// v4, and 4.10e-7 without, at 0x1.38a1fp-1), in the SIMD path and the scalar path; odd, within [-1, 1],
// exact below 2^-12, ±1 at ±infinity, NaN stays NaN, on every instruction set.
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <typegrad/typegrad.hpp>

#include "activation_support.hpp"

namespace tg = typegrad;

namespace {

constexpr double max_relative_error = 4.2e-7;

// tanh of each input through the layer's forward (the SIMD path), in layers of 1000, 8 and 3.
std::vector<std::vector<float>> layer_tanh(const std::vector<float>& z) {
    return {activation_test::through_layer<tg::tanh>(z), activation_test::through_layer<tg::tanh, 8>(z),
            activation_test::through_layer<tg::tanh, 3>(z)};
}

double relative_error(float y, float x) {
    const double exact = std::tanh(double(x));
    return exact == 0 ? std::fabs(double(y)) : std::fabs(double(y) - exact) / std::fabs(exact);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(activation_tanh)

BOOST_AUTO_TEST_CASE(within_the_stated_error_of_std_tanh) {
    const std::vector<float> z = activation_test::sampled_floats({0x1.38a1fp-1f});
    double worst_scalar = 0;
    bool bounded = true;
    for (const float x : z) {
        const float scalar = tg::tanh::value(x);
        worst_scalar = std::max(worst_scalar, relative_error(scalar, x));
        bounded = bounded && std::fabs(scalar) <= 1;
    }
    BOOST_TEST(worst_scalar <= max_relative_error);
    for (const std::vector<float>& simd : layer_tanh(z)) {
        double worst_simd = 0;
        bool odd = true;
        for (std::size_t i = 0; i < z.size(); ++i) {
            worst_simd = std::max(worst_simd, relative_error(simd[i], z[i]));
            bounded = bounded && std::fabs(simd[i]) <= 1;
            if (i % 2 == 1) odd = odd && simd[i] == -simd[i - 1];
        }
        BOOST_TEST_MESSAGE("float tanh: max relative error " << worst_simd << " (SIMD), " << worst_scalar << " (scalar)");
        BOOST_TEST(worst_simd <= max_relative_error);
        BOOST_TEST(worst_simd > 1e-8);  // the check sees the approximation's error, so it can fail
        BOOST_TEST(odd);
    }
    BOOST_TEST(bounded);
}

BOOST_AUTO_TEST_CASE(special_values) {
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> z{0.0f, 1e-30f, -1e-20f, std::numeric_limits<float>::denorm_min(), inf, -inf,
                               std::numeric_limits<float>::quiet_NaN(), 9.0f, 100.0f, -100.0f};
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(tg::tanh::value(z[i]) == z[i]);
    BOOST_TEST(std::isnan(tg::tanh::value(z[6])));
    for (const std::vector<float>& y : layer_tanh(z)) {
        for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(y[i] == z[i]);
        BOOST_TEST(y[4] == 1.0f);
        BOOST_TEST(y[5] == -1.0f);
        BOOST_TEST(std::isnan(y[6]));
        BOOST_TEST(y[7] == 1.0f);
        BOOST_TEST(y[8] == 1.0f);
        BOOST_TEST(y[9] == -1.0f);
    }
}

// With AVX-512 the SIMD path divides through an approximate reciprocal (14 bits) and a correction,
// whose error can reach the last bit of a tiny x; below 2^-12 it returns x itself, and the divider
// (elsewhere, and for AVX-512's 256-bit parts) keeps x exact.
BOOST_AUTO_TEST_CASE(exact_below_two_to_the_minus_twelve) {
    std::vector<float> z;
    for (std::uint32_t bits = 1; bits < std::bit_cast<std::uint32_t>(0x1p-12f); bits += 4099) {
        z.push_back(std::bit_cast<float>(bits));
        z.push_back(-std::bit_cast<float>(bits));
    }
    z.push_back(std::nextafter(0x1p-12f, 0.0f));
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < z.size(); ++i) wrong += tg::tanh::value(z[i]) != z[i];
    for (const std::vector<float>& y : layer_tanh(z))
        for (std::size_t i = 0; i < z.size(); ++i) wrong += y[i] != z[i];
    BOOST_TEST(wrong == 0u);
    for (const std::vector<float>& y : layer_tanh({0.5f}))
        BOOST_TEST(y[0] != 0.5f);  // and the cut-off does not reach ordinary inputs
}

BOOST_AUTO_TEST_CASE(double_stays_exact) {
    for (double z : {-3.0, -0.5, 1e-9, 0.25, 2.0, 7.5})
        BOOST_TEST(std::fabs(tg::tanh::value(z) - std::tanh(z)) <= 1e-16 * std::fabs(std::tanh(z)) + 1e-300);
}

BOOST_AUTO_TEST_SUITE_END()
