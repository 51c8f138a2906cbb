// Every loss's gradient against central finite differences in double (relative error ≤ 1e-6; mae
// and zero_one away from their kinks), and every loss's value and gradient in float and double
// against a scalar long-double reference, at sizes 1, 3, 5, 10 and 17: none is a multiple of the
// SIMD width, so a padding lane reaching a sum would show.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

#include <typegrad/loss/bce_with_logits.hpp>
#include <typegrad/loss/huber.hpp>
#include <typegrad/loss/mae.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/loss/nll.hpp>
#include <typegrad/loss/softmax_cross_entropy.hpp>
#include <typegrad/loss/zero_one.hpp>

namespace tg = typegrad;

namespace {

using sizes = std::tuple<std::integral_constant<std::size_t, 1>, std::integral_constant<std::size_t, 3>,
                         std::integral_constant<std::size_t, 5>, std::integral_constant<std::size_t, 10>,
                         std::integral_constant<std::size_t, 17>>;

std::mt19937 generator(17);

template <class T, std::size_t N>
tg::vec<T, N> uniform(double low, double high) {
    std::uniform_real_distribution<double> u(low, high);
    tg::vec<T, N> v;
    for (auto& e : v) e = T(u(generator));
    return v;
}

// A target at least 0.05 away from each output, so mae's kinks are far from the differences' steps.
template <class T, std::size_t N>
tg::vec<T, N> target_away_from(const tg::vec<T, N>& out) {
    const auto offsets = uniform<T, N>(0.05, 1.5);
    tg::vec<T, N> t;
    for (std::size_t i = 0; i < N; ++i) t[i] = out[i] + (i % 2 ? offsets[i] : -offsets[i]);
    return t;
}

// Central finite differences of loss.value at out, compared with value_and_grad's gradient: the
// largest relative error |fd - g| / max(|fd|, |g|) over the entries (absolute where both are ~0).
template <class Loss, std::size_t N, class Target>
double worst_gradient_error(const Loss& loss, const tg::vec<double, N>& out, const Target& target) {
    tg::vec<double, N> grad;
    const double value = loss.value_and_grad(out, target, grad);
    BOOST_TEST(value == loss.value(out, target));
    double worst = 0;
    for (std::size_t i = 0; i < N; ++i) {
        const double h = 1e-6 * std::max(1.0, std::abs(out[i]));
        auto plus = out, minus = out;
        plus[i] += h;
        minus[i] -= h;
        const double fd = (loss.value(plus, target) - loss.value(minus, target)) / (plus[i] - minus[i]);
        const double scale = std::max({std::abs(fd), std::abs(grad[i]), 1e-12});
        worst = std::max(worst, std::abs(fd - grad[i]) / scale);
    }
    return worst;
}

template <std::size_t N>
std::size_t some_label(std::size_t k) {
    return (k * 7 + N / 2) % N;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loss_gradients)

BOOST_AUTO_TEST_CASE_TEMPLATE(finite_differences, Size, sizes) {
    constexpr std::size_t N = Size::value;
    for (int trial = 0; trial < 4; ++trial) {
        const auto out = uniform<double, N>(-3, 3);
        const auto target = target_away_from(out);
        for (auto reduce : {tg::reduction::sum, tg::reduction::mean}) {
            BOOST_TEST(worst_gradient_error(tg::mse{.reduce = reduce}, out, target) <= 1e-6);
            BOOST_TEST(worst_gradient_error(tg::mae{.reduce = reduce}, out, target) <= 1e-6);
            // Huber's linear part (every |out - target| >= 0.05 > Delta) and its quadratic part (< Delta).
            BOOST_TEST(worst_gradient_error(tg::huber<0.01>{.reduce = reduce}, out, target) <= 1e-6);
            BOOST_TEST(worst_gradient_error(tg::huber<100.0>{.reduce = reduce}, out, target) <= 1e-6);
            BOOST_TEST(worst_gradient_error(tg::bce_with_logits{.reduce = reduce}, out, uniform<double, N>(0, 1)) <= 1e-6);
        }
        const std::size_t label = some_label<N>(trial);
        BOOST_TEST(worst_gradient_error(tg::softmax_cross_entropy{}, out, label) <= 1e-6);
        BOOST_TEST(worst_gradient_error(tg::nll{}, uniform<double, N>(0.05, 1), label) <= 1e-6);
        // Class weights (PyTorch's weight=) scale the sample's loss and gradient by its class's weight.
        // Powers of 2, so that w·loss is exact and a contracted w·a - w·b (an FMA) cannot fake a slope.
        std::vector<double> weights(N);
        for (std::size_t c = 0; c < N; ++c) weights[c] = std::ldexp(1.0, int((c * 3 + trial) % 5) - 2);
        const tg::class_weights w{std::span<const double>(weights)};
        const auto probabilities = uniform<double, N>(0.05, 1);
        BOOST_TEST(worst_gradient_error(tg::softmax_cross_entropy{.weight = w}, out, label) <= 1e-6);
        BOOST_TEST(worst_gradient_error(tg::nll{.weight = w}, probabilities, label) <= 1e-6);
        BOOST_TEST(tg::softmax_cross_entropy{.weight = w}.value(out, label) ==
                   weights[label] * tg::softmax_cross_entropy{}.value(out, label));
        BOOST_TEST(tg::nll{.weight = w}.value(probabilities, label) == weights[label] * tg::nll{}.value(probabilities, label));
        // Distinct outputs: no tie within a step, so the 0/1 loss is flat around out.
        BOOST_TEST(worst_gradient_error(tg::zero_one{}, out, label) == 0.0);
    }
}

// The loss of one sample, written as a plain loop in long double.
template <class T, std::size_t N>
struct reference {
    const tg::vec<T, N>& out;

    long double mse(const tg::vec<T, N>& t) const {
        long double s = 0;
        for (std::size_t i = 0; i < N; ++i) s += (static_cast<long double>(out[i]) - t[i]) * (static_cast<long double>(out[i]) - t[i]);
        return s;
    }
    long double mae(const tg::vec<T, N>& t) const {
        long double s = 0;
        for (std::size_t i = 0; i < N; ++i) s += std::abs(static_cast<long double>(out[i]) - t[i]);
        return s;
    }
    long double softmax(std::size_t i) const {
        long double m = out[0], s = 0;
        for (std::size_t j = 0; j < N; ++j) m = std::max<long double>(m, out[j]);
        for (std::size_t j = 0; j < N; ++j) s += std::exp(static_cast<long double>(out[j]) - m);
        return std::exp(static_cast<long double>(out[i]) - m) / s;
    }
};

template <class T, std::size_t N>
void matches_the_reference() {
    const double tolerance = std::is_same_v<T, float> ? 2e-6 : 1e-14;
    const auto close = [&](long double a, long double b) {
        return std::abs(a - b) <= tolerance * std::max(1.0L, std::abs(b));
    };
    const auto out = uniform<T, N>(-3, 3);
    const auto target = target_away_from(out);
    const reference<T, N> ref{out};
    tg::vec<T, N> grad;

    BOOST_TEST(close(tg::mse{}.value_and_grad(out, target, grad), ref.mse(target)));
    for (std::size_t i = 0; i < N; ++i) BOOST_TEST(close(grad[i], 2 * (static_cast<long double>(out[i]) - target[i])));
    BOOST_TEST(close(tg::mse{.reduce = tg::reduction::mean}.value_and_grad(out, target, grad), ref.mse(target) / N));
    for (std::size_t i = 0; i < N; ++i)
        BOOST_TEST(close(grad[i], 2 * (static_cast<long double>(out[i]) - target[i]) / N));

    BOOST_TEST(close(tg::mae{}.value_and_grad(out, target, grad), ref.mae(target)));
    for (std::size_t i = 0; i < N; ++i) BOOST_TEST(grad[i] == (out[i] > target[i] ? T(1) : T(-1)));
    BOOST_TEST(close(tg::mae{.reduce = tg::reduction::mean}.value_and_grad(out, target, grad), ref.mae(target) / N));
    for (std::size_t i = 0; i < N; ++i) BOOST_TEST(grad[i] == (out[i] > target[i] ? T(1) : T(-1)) / T(N));

    for (std::size_t label : {std::size_t{0}, N / 2, N - 1}) {
        BOOST_TEST(close(tg::softmax_cross_entropy{}.value_and_grad(out, label, grad), -std::log(ref.softmax(label))));
        long double grad_sum = 0;
        for (std::size_t i = 0; i < N; ++i) {
            BOOST_TEST(close(grad[i], ref.softmax(i) - (i == label)));
            grad_sum += grad[i];
        }
        BOOST_TEST(std::abs(grad_sum) <= 4 * tolerance);  // softmax sums to 1: no padding lane in the sum

        const auto p = uniform<T, N>(0.05, 1);
        BOOST_TEST(close(tg::nll{}.value_and_grad(p, label, grad), -std::log(static_cast<long double>(p[label]))));
        for (std::size_t i = 0; i < N; ++i) BOOST_TEST(close(grad[i], i == label ? -1 / static_cast<long double>(p[i]) : 0));

        std::size_t argmax = 0;
        for (std::size_t i = 1; i < N; ++i) argmax = out[i] > out[argmax] ? i : argmax;
        BOOST_TEST(tg::zero_one{}.value_and_grad(out, label, grad) == (argmax == label ? T(0) : T(1)));
        BOOST_TEST(grad == (tg::vec<T, N>{}));
    }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(padding_never_reaches_a_sum_float, Size, sizes) { matches_the_reference<float, Size::value>(); }
BOOST_AUTO_TEST_CASE_TEMPLATE(padding_never_reaches_a_sum_double, Size, sizes) { matches_the_reference<double, Size::value>(); }

BOOST_AUTO_TEST_SUITE_END()
