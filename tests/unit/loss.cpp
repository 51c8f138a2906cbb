// The losses with the seed's numbers (WORKED-EXAMPLES.md items 8 to 11, the base-10 figures the
// notes print included), softmax_cross_entropy at huge logits and underflowing probabilities, the
// clamp of nll, the zero gradient of zero_one, and the error for a label out of range.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <string>

#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/dense.hpp>
#include <typegrad/layers/softmax.hpp>
#include <typegrad/loss/bce_with_logits.hpp>
#include <typegrad/loss/huber.hpp>
#include <typegrad/loss/mae.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/loss/nll.hpp>
#include <typegrad/loss/softmax_cross_entropy.hpp>
#include <typegrad/loss/zero_one.hpp>
#include <typegrad/net/backward.hpp>
#include <typegrad/net/init.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequential.hpp>

namespace tg = typegrad;

BOOST_AUTO_TEST_SUITE(loss)

// Item 8: L_m = [0, 2, 5, 3], y = [3, 2, 3, 4]: Σ|x - y| = 3 + 0 + 2 + 1 = 6, mean 1.5.
// PyTorch's HuberLoss on out = (0.5, 3, -2), target 0: reduction='sum' with delta 1 gives 4.125 and
// gradient (0.5, 1, -1); the mean with delta 0.5 gives 0.79166... and gradient (1, 1, -1)/6.
BOOST_AUTO_TEST_CASE(huber_matches_pytorch_on_both_sides_of_delta) {
    const tg::vec<double, 3> out{0.5, 3, -2}, target{};
    tg::vec<double, 3> grad;
    BOOST_TEST(tg::huber{}.value_and_grad(out, target, grad) == 4.125);
    BOOST_TEST(grad[0] == 0.5);
    BOOST_TEST(grad[1] == 1.0);
    BOOST_TEST(grad[2] == -1.0);
    const double mean = tg::huber<0.5>{.reduce = tg::reduction::mean}.value_and_grad(out, target, grad);
    BOOST_TEST(std::abs(mean - 0.7916666666666666) < 1e-15);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(std::abs(std::abs(grad[i]) - 1.0 / 6) < 1e-16);
    BOOST_TEST(tg::huber<0.5>{}.value(tg::vec<float, 1>{0.5f}, tg::vec<float, 1>{0.0f}) == 0.125f);  // |d| = Delta
}

// PyTorch's BCEWithLogitsLoss(reduction='sum') on logits (2, -1, 0, 1e4) and targets (1, 0, 0.5, 0):
// 10001.133336879122, gradient σ(z) - y = (-0.11920292202211769, 0.2689414213699951, 0, 1); the
// default mean, in float, on (2, -1, -30) and (1, 0, 1): 10.146729469299316.
BOOST_AUTO_TEST_CASE(bce_with_logits_matches_pytorch_and_stays_finite) {
    const tg::vec<double, 4> z{2, -1, 0, 1e4}, y{1, 0, 0.5, 0};
    tg::vec<double, 4> grad;
    BOOST_TEST(std::abs(tg::bce_with_logits{}.value_and_grad(z, y, grad) - 10001.133336879122) < 1e-11);
    const double expected[] = {-0.11920292202211769, 0.2689414213699951, 0, 1};
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(std::abs(grad[i] - expected[i]) < 1e-16);
    tg::vec<float, 3> g;
    const float mean = tg::bce_with_logits{.reduce = tg::reduction::mean}.value_and_grad(
        tg::vec<float, 3>{2, -1, -30}, tg::vec<float, 3>{1, 0, 1}, g);
    BOOST_TEST(std::abs(mean - 10.146729469299316) < 2e-6);
    BOOST_TEST(std::abs(g[2] + 1.0f / 3) < 1e-7);  // σ(-30) - 1, over 3
}

BOOST_AUTO_TEST_CASE(mae_sum_and_mean_of_the_notes) {
    const tg::vec<float, 4> out{0, 2, 5, 3}, y{3, 2, 3, 4};
    BOOST_TEST(tg::mae{}.value(out, y) == 6.0f);
    BOOST_TEST(tg::mae{.reduce = tg::reduction::mean}.value(out, y) == 1.5f);
    tg::vec<float, 4> grad;
    BOOST_TEST(tg::mae{}.value_and_grad(out, y, grad) == 6.0f);
    BOOST_TEST(grad == (tg::vec<float, 4>{-1, 0, 1, -1}));  // sign(x - y), 0 at the kink x = y
    BOOST_TEST(tg::mae{.reduce = tg::reduction::mean}.value_and_grad(out, y, grad) == 1.5f);
    BOOST_TEST(grad == (tg::vec<float, 4>{-0.25f, 0, 0.25f, -0.25f}));
}

// Item 9: same vectors, Σ(x - y)² = 9 + 0 + 4 + 1 = 14, mean 3.5.
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

// Item 10: y = [1, 0, 1], ŷ = [1, 1, 0]: per-sample losses [0, 1, 1], total 2. Each ŷ is the
// predicted class of a two-class output (the larger score wins).
BOOST_AUTO_TEST_CASE(zero_one_of_the_notes) {
    const std::size_t labels[] = {1, 0, 1};
    const tg::vec<double, 2> outputs[] = {{0.2, 0.8}, {0.3, 0.7}, {0.9, 0.1}};  // ŷ = 1, 1, 0
    const double expected[] = {0, 1, 1};
    double total = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(tg::zero_one::predicted_class(outputs[i]) == (i < 2 ? 1u : 0u));
        const double loss = tg::zero_one{}.value(outputs[i], labels[i]);
        BOOST_TEST(loss == expected[i]);
        total += loss;
    }
    BOOST_TEST(total == 2.0);
}

BOOST_AUTO_TEST_CASE(zero_one_has_a_zero_gradient_and_breaks_ties_to_the_first_class) {
    tg::vec<float, 3> grad{7, -7, 7};
    BOOST_TEST(tg::zero_one{}.value_and_grad(tg::vec<float, 3>{0.1f, 0.5f, 0.4f}, 2, grad) == 1.0f);
    BOOST_TEST(grad == (tg::vec<float, 3>{}));
    BOOST_TEST(tg::zero_one{}.value(tg::vec<float, 3>{1, 1, 0}, 0) == 0.0f);
    BOOST_TEST(tg::zero_one{}.value(tg::vec<float, 3>{1, 1, 0}, 1) == 1.0f);
}

// Item 11: softmax([1, 2, 5, 3, 4]) = [0.011656, 0.031685, 0.636409, 0.086129, 0.234122]; the
// negative log-likelihood is -ln p[2] = 0.451914 for label 2 and -ln p[1] = 3.451914 for label 1.
// Written as the notes do: a classification head ending in softmax, then nll on its probabilities.
BOOST_AUTO_TEST_CASE(nll_of_the_notes_after_softmax) {
    using head = tg::sequential<tg::dense<5, 5>, tg::softmax>;
    tg::params<head, double> p{};
    for (std::size_t i = 0; i < 5; ++i) tg::get<0>(p).W(i, i) = 1;  // the scores pass through unchanged
    const auto probabilities = tg::forward<head>(p, tg::vec<double, 5>{1, 2, 5, 3, 4});
    BOOST_TEST(std::abs(probabilities[2] - 0.636409) < 5e-7);
    BOOST_TEST(std::abs(probabilities[1] - 0.031685) < 5e-7);
    BOOST_TEST(std::abs(tg::nll{}.value(probabilities, 2) - 0.451914) < 5e-7);
    BOOST_TEST(std::abs(tg::nll{}.value(probabilities, 1) - 3.451914) < 5e-7);

    // Fused on the scores, softmax_cross_entropy gives the same numbers.
    const tg::vec<double, 5> z{1, 2, 5, 3, 4};
    BOOST_TEST(std::abs(tg::softmax_cross_entropy{}.value(z, 2) - 0.451914) < 5e-7);
    BOOST_TEST(std::abs(tg::softmax_cross_entropy{}.value(z, 1) - 3.451914) < 5e-7);

    tg::vec<double, 5> grad;
    tg::nll{}.value_and_grad(probabilities, 2, grad);
    BOOST_TEST(std::abs(grad[2] + 1 / 0.636409) < 1e-5);
    BOOST_TEST((grad[0] == 0 && grad[1] == 0 && grad[3] == 0 && grad[4] == 0));
    tg::softmax_cross_entropy{}.value_and_grad(z, 2, grad);
    const double softmax[] = {0.011656, 0.031685, 0.636409, 0.086129, 0.234122};
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(std::abs(grad[i] - (softmax[i] - (i == 2))) < 5e-7);
}

// The notes print 0.197 and 1.508: base-10 logarithms of the probabilities rounded to 0.636 and
// 0.031, i.e. nll / ln 10. -log10 0.636 = 0.19654 (printed rounded: 0.197) and -log10 0.031 =
// 1.50864 (printed truncated: 1.508). The unrounded probabilities give 0.19626 and 1.49915.
BOOST_AUTO_TEST_CASE(the_base_10_figures_of_the_notes) {
    const double ln10 = std::log(10.0);
    const double rounded_cat = tg::nll{}.value(tg::vec<double, 2>{0.636, 0.364}, 0) / ln10;
    const double rounded_dog = tg::nll{}.value(tg::vec<double, 2>{0.969, 0.031}, 1) / ln10;
    BOOST_TEST(std::abs(rounded_cat - 0.19654) < 5e-6);
    BOOST_TEST(std::abs(rounded_dog - 1.50864) < 5e-6);
    BOOST_TEST(std::abs(rounded_cat - 0.197) < 1e-3);
    BOOST_TEST(std::abs(rounded_dog - 1.508) < 1e-3);
    BOOST_TEST(std::abs(rounded_cat - -std::log10(0.636)) < 1e-12);
    BOOST_TEST(std::abs(rounded_dog - -std::log10(0.031)) < 1e-12);
    // With the probabilities unrounded the base-10 figures are 0.451914 / ln 10 and 3.451914 / ln 10.
    const tg::vec<double, 5> z{1, 2, 5, 3, 4};
    BOOST_TEST(std::abs(tg::softmax_cross_entropy{}.value(z, 2) / ln10 - 0.196264) < 5e-7);
    BOOST_TEST(std::abs(tg::softmax_cross_entropy{}.value(z, 1) / ln10 - 1.499147) < 5e-7);
}

BOOST_AUTO_TEST_CASE(nll_clamps_a_zero_probability_to_a_large_finite_loss) {
    tg::vec<float, 2> grad;
    const float loss = tg::nll{}.value_and_grad(tg::vec<float, 2>{0, 1}, 0, grad);
    BOOST_TEST(loss == -std::log(std::numeric_limits<float>::min()));
    BOOST_TEST(std::abs(loss - 87.336544f) < 1e-4f);
    BOOST_TEST(std::isfinite(grad[0]));
    BOOST_TEST(grad[0] == -1 / std::numeric_limits<float>::min());
    BOOST_TEST(grad[1] == 0.0f);
    BOOST_TEST(std::abs(tg::nll{}.value(tg::vec<double, 2>{0, 1}, 0) - 708.396418) < 1e-6);
    // Only p below the smallest normal number is clamped; a NaN stays NaN, so training notices it.
    BOOST_TEST(tg::nll{}.value(tg::vec<double, 2>{1e-300, 1}, 0) == -std::log(1e-300));
    BOOST_TEST(std::isnan(tg::nll{}.value(tg::vec<float, 2>{std::nanf(""), 1}, 0)));
}

template <class T>
void softmax_cross_entropy_at_logits_of_1e4() {
    const tg::vec<T, 3> z{T(1e4), T(-1e4), 0};
    const tg::softmax_cross_entropy loss;
    BOOST_TEST(loss.value(z, 0) == T(0));
    BOOST_TEST(loss.value(z, 1) == T(2e4));
    BOOST_TEST(loss.value(z, 2) == T(1e4));
    tg::vec<T, 3> grad;
    BOOST_TEST(loss.value_and_grad(z, 1, grad) == T(2e4));
    BOOST_TEST(grad == (tg::vec<T, 3>{1, -1, 0}));
    // Two equal huge logits: ln 2 to the last bit, which m + ln(sum) - z would round away in float.
    BOOST_TEST(loss.value(tg::vec<T, 2>{T(1e4), T(1e4)}, 1) == std::log(T(2)));
    BOOST_TEST(loss.value(tg::vec<T, 2>{T(-1e4), T(-1e4)}, 0) == std::log(T(2)));
    BOOST_TEST(std::abs(loss.value(tg::vec<T, 2>{T(1e4), T(1e4 - 1)}, 1) - T(1.3132616875182228)) < T(1e-6));
}

BOOST_AUTO_TEST_CASE(softmax_cross_entropy_is_finite_at_logits_of_1e4_float) { softmax_cross_entropy_at_logits_of_1e4<float>(); }
BOOST_AUTO_TEST_CASE(softmax_cross_entropy_is_finite_at_logits_of_1e4_double) { softmax_cross_entropy_at_logits_of_1e4<double>(); }

// e^-200 underflows to 0 in float (the smallest float is about e^-103.3): the probability of class 1
// is 0, yet its loss is exactly 200. Through softmax and nll the same input hits the clamp instead.
BOOST_AUTO_TEST_CASE(softmax_cross_entropy_is_finite_where_probabilities_underflow) {
    const tg::vec<float, 3> z{0, -200, -1e4f};
    tg::vec<float, 3> grad;
    BOOST_TEST(tg::softmax_cross_entropy{}.value_and_grad(z, 1, grad) == 200.0f);
    BOOST_TEST(grad == (tg::vec<float, 3>{1, -1, 0}));
    BOOST_TEST(tg::softmax_cross_entropy{}.value(z, 2) == 1e4f);

    using head = tg::sequential<tg::dense<3, 3>, tg::softmax>;
    tg::params<head> p{};
    for (std::size_t i = 0; i < 3; ++i) tg::get<0>(p).W(i, i) = 1;
    const auto probabilities = tg::forward<head>(p, z);
    BOOST_TEST(probabilities[1] == 0.0f);
    BOOST_TEST(tg::nll{}.value(probabilities, 1) == -std::log(std::numeric_limits<float>::min()));
}

template <class Loss>
void check_label_error(const Loss& loss, const std::string& name) {
    const tg::vec<float, 3> out{0.2f, 0.3f, 0.5f};
    const std::string expected = name + ": label 3 is out of range for 3 classes (labels are 0 to 2)";
    const auto has_text = [&](const tg::value_error& e) { return e.what() == expected; };
    BOOST_CHECK_EXCEPTION(loss.value(out, 3), tg::value_error, has_text);
    tg::vec<float, 3> grad;
    BOOST_CHECK_EXCEPTION(loss.value_and_grad(out, 3, grad), tg::value_error, has_text);
    BOOST_CHECK_EXCEPTION(loss.value(tg::vec<double, 1>{1}, 7), tg::value_error, [&](const tg::value_error& e) {
        return e.what() == name + ": label 7 is out of range for 1 classes (labels are 0 to 0)";
    });
}

BOOST_AUTO_TEST_CASE(label_out_of_range_is_a_value_error) {
    check_label_error(tg::softmax_cross_entropy{}, "softmax_cross_entropy");
    check_label_error(tg::nll{}, "nll");
    check_label_error(tg::zero_one{}, "zero_one");
}

BOOST_AUTO_TEST_SUITE_END()
