// The sigmoid layer, 1 / (1 + e^-z) with xsimd's exp on the SIMD path and std::exp on the scalar
// one, against the same formula in long double: relative error at most 4 ulp of float (5e-7) and of
// double (1e-15) over every 1009th float of [-88, 88] (float) and a sweep of [-700, 700] (double),
// on every instruction set the suite is built for; exactly 0 and 1 far out, NaN stays NaN.
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

// sigmoid of each input through the layer's forward (the SIMD path), in layers of 1000, 8 and 3.
template <class T>
std::vector<std::vector<T>> layer_sigmoid(const std::vector<T>& z) {
    return {activation_test::through_layer<tg::sigmoid>(z), activation_test::through_layer<tg::sigmoid, 8>(z),
            activation_test::through_layer<tg::sigmoid, 3>(z)};
}

template <class T>
double worst_relative_error(const std::vector<T>& z, const std::vector<T>& y) {
    double worst = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
        const long double exact = 1.0L / (1.0L + std::exp(-static_cast<long double>(z[i])));
        worst = std::max(worst, double(std::fabs((static_cast<long double>(y[i]) - exact) / exact)));
    }
    return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(activation_sigmoid)

BOOST_AUTO_TEST_CASE(float_within_four_ulp) {
    std::vector<float> z;
    for (std::uint32_t bits = 0; std::bit_cast<float>(bits) < 88.0f; bits += 1009) {
        z.push_back(std::bit_cast<float>(bits));
        z.push_back(-std::bit_cast<float>(bits));
    }
    std::vector<float> scalar(z.size());
    for (std::size_t i = 0; i < z.size(); ++i) scalar[i] = tg::sigmoid::value(z[i]);
    const double scalar_error = worst_relative_error(z, scalar);
    BOOST_TEST(scalar_error <= 5e-7);
    for (const std::vector<float>& y : layer_sigmoid(z)) {
        const double simd_error = worst_relative_error(z, y);
        BOOST_TEST_MESSAGE("float sigmoid: max relative error " << simd_error << " (SIMD), " << scalar_error << " (scalar)");
        BOOST_TEST(simd_error <= 5e-7);
        BOOST_TEST(simd_error > 1e-9);  // the check sees float rounding, so it can fail
    }
}

BOOST_AUTO_TEST_CASE(double_within_four_ulp) {
    std::vector<double> z;
    for (double x = -700; x <= 700; x += 0.0137) z.push_back(x);
    for (const std::vector<double>& y : layer_sigmoid(z)) {
        const double simd_error = worst_relative_error(z, y);
        BOOST_TEST_MESSAGE("double sigmoid: max relative error " << simd_error);
        BOOST_TEST(simd_error <= 1e-15);
    }
}

BOOST_AUTO_TEST_CASE(special_values) {
    const float inf = std::numeric_limits<float>::infinity();
    for (const std::vector<float>& y : layer_sigmoid<float>({0.0f, 200.0f, -200.0f, inf, -inf, std::nanf("")})) {
        BOOST_TEST(y[0] == 0.5f);
        BOOST_TEST(y[1] == 1.0f);
        BOOST_TEST(y[2] == 0.0f);
        BOOST_TEST(y[3] == 1.0f);
        BOOST_TEST(y[4] == 0.0f);
        BOOST_TEST(std::isnan(y[5]));
    }
}

BOOST_AUTO_TEST_SUITE_END()
