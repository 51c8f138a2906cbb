// The losses of this issue with the seed's numbers (WORKED-EXAMPLES.md items 9 and 11), their
// gradients, stability at huge logits, and the error for a label out of range.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

BOOST_AUTO_TEST_SUITE(loss)

// Item 9: L_m = [0, 2, 5, 3], y = [3, 2, 3, 4]: Σ(x - y)² = 14, mean 3.5.
BOOST_AUTO_TEST_CASE(mse_sum_and_mean_of_the_notes) {
    const tg::vec<float, 4> out{0, 2, 5, 3}, y{3, 2, 3, 4};
    BOOST_TEST(tg::mse{}.value(out, y) == 14.0f);
    BOOST_TEST(tg::mse{.reduce = tg::reduction::mean}.value(out, y) == 3.5f);
    tg::vec<float, 4> grad;
    BOOST_TEST(tg::mse{}.value_and_grad(out, y, grad) == 14.0f);
    BOOST_TEST(grad == (tg::vec<float, 4>{-6, 0, 4, -2}));
    BOOST_TEST(tg::mse{.reduce = tg::reduction::mean}.value_and_grad(out, y, grad) == 3.5f);
    BOOST_TEST(grad == (tg::vec<float, 4>{-1.5f, 0, 1, -0.5f}));
}

// Item 11: over softmax([1, 2, 5, 3, 4]), -ln p[2] = 0.451914 and -ln p[1] = 3.451914.
BOOST_AUTO_TEST_CASE(softmax_cross_entropy_of_the_notes) {
    const tg::vec<double, 5> z{1, 2, 5, 3, 4};
    BOOST_TEST(std::abs(tg::softmax_cross_entropy{}.value(z, 2) - 0.451914) < 5e-7);
    BOOST_TEST(std::abs(tg::softmax_cross_entropy{}.value(z, 1) - 3.451914) < 5e-7);
    tg::vec<double, 5> grad;
    tg::softmax_cross_entropy{}.value_and_grad(z, 2, grad);
    const double p[] = {0.011656, 0.031685, 0.636409, 0.086129, 0.234122};
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(std::abs(grad[i] - (p[i] - (i == 2))) < 5e-7);
}

BOOST_AUTO_TEST_CASE(softmax_cross_entropy_is_stable_at_huge_logits) {
    const tg::vec<float, 3> z{1000, 0, -1000};
    BOOST_TEST(tg::softmax_cross_entropy{}.value(z, 0) == 0.0f);
    BOOST_TEST(tg::softmax_cross_entropy{}.value(z, 1) == 1000.0f);
    tg::vec<float, 3> grad;
    tg::softmax_cross_entropy{}.value_and_grad(z, 1, grad);
    BOOST_TEST(grad == (tg::vec<float, 3>{1, -1, 0}));
}

BOOST_AUTO_TEST_CASE(label_out_of_range_is_a_value_error) {
    const tg::vec<float, 3> z{};
    BOOST_CHECK_EXCEPTION(tg::softmax_cross_entropy{}.value(z, 3), tg::value_error, [](const tg::value_error& e) {
        return std::string(e.what()) ==
               "softmax_cross_entropy: label 3 is out of range for 3 classes (labels are 0 to 2)";
    });
}

BOOST_AUTO_TEST_SUITE_END()
