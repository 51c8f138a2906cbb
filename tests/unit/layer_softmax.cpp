// The softmax layer at sizes 1, 3, 5, 10, 17 and 67 (and multiples of the SIMD widths), in float
// and double: it matches a plain scalar reference, sums to 1 (no padding lane is summed), and stays
// finite for logits of ±1000 (the maximum is subtracted).
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

template <class T, std::size_t N>
void check_softmax(T shift) {
    tg::vec<T, N> x;
    for (std::size_t i = 0; i < N; ++i) x[i] = shift + static_cast<T>(std::sin(double(i) * 1.7) * 3);
    tg::output_cache<T, N> cache;
    const auto y = tg::softmax::forward(tg::no_params{}, x, cache, tg::mode::inference);

    double m = x[0], total = 0, reference_sum = 0;
    for (std::size_t i = 0; i < N; ++i) m = std::max(m, double(x[i]));
    for (std::size_t i = 0; i < N; ++i) reference_sum += std::exp(double(x[i]) - m);
    const double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;
    for (std::size_t i = 0; i < N; ++i) {
        BOOST_TEST(std::isfinite(y[i]));
        BOOST_TEST(std::abs(y[i] - std::exp(double(x[i]) - m) / reference_sum) <= tolerance);
        total += y[i];
    }
    BOOST_TEST(std::abs(total - 1) <= tolerance * 10, "size " << N << ": sums to " << total);
}

template <class T>
void check_all_sizes(T shift) {
    check_softmax<T, 1>(shift);
    check_softmax<T, 3>(shift);
    check_softmax<T, 5>(shift);
    check_softmax<T, 10>(shift);
    check_softmax<T, 17>(shift);
    check_softmax<T, 67>(shift);
    check_softmax<T, tg::simd::width<T>>(shift);
    check_softmax<T, 4 * tg::simd::width<T>>(shift);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(layer_softmax)

BOOST_AUTO_TEST_CASE(float_sizes) { check_all_sizes<float>(0); }
BOOST_AUTO_TEST_CASE(double_sizes) { check_all_sizes<double>(0); }
BOOST_AUTO_TEST_CASE(huge_logits) {
    check_all_sizes<float>(1000);
    check_all_sizes<double>(-1000);
}
// RTNeural's size-3 softmax summed the padding lanes to 0.86; ours sums to 1.
BOOST_AUTO_TEST_CASE(size_3_sums_to_1) {
    tg::output_cache<float, 3> cache;
    const auto y = tg::softmax::forward(tg::no_params{}, tg::vec<float, 3>{0, 0, 0}, cache, tg::mode::inference);
    BOOST_TEST(y[0] + y[1] + y[2] == 1.0f, boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_SUITE_END()
