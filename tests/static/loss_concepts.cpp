// Static tests of tg::loss_for: every built-in loss satisfies it for float and double outputs of
// any size with its own target type, and types that miss or mistype a part of it do not. The
// regression losses also evaluate in constant expressions.
#include <cstddef>
#include <type_traits>

#include <typegrad/core/mat.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/loss/bce_with_logits.hpp>
#include <typegrad/loss/huber.hpp>
#include <typegrad/loss/mae.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/loss/nll.hpp>
#include <typegrad/loss/nll_log_probs.hpp>
#include <typegrad/loss/softmax_cross_entropy.hpp>
#include <typegrad/loss/zero_one.hpp>

namespace tg = typegrad;

static_assert(tg::loss_for<tg::mse, float, 1>);
static_assert(tg::loss_for<tg::mse, double, 17>);
static_assert(tg::loss_for<tg::mae, float, 3>);
static_assert(tg::loss_for<tg::mae, double, 10>);
static_assert(tg::loss_for<tg::huber<>, float, 3>);
static_assert(tg::loss_for<tg::bce_with_logits, double, 1>);
static_assert(tg::loss_for<tg::huber<0.25>, double, 10>);
static_assert(tg::loss_for<tg::zero_one, float, 2>);
static_assert(tg::loss_for<tg::zero_one, double, 10>);
static_assert(tg::loss_for<tg::nll, float, 10>);
static_assert(tg::loss_for<tg::nll, double, 5>);
static_assert(tg::loss_for<tg::softmax_cross_entropy, float, 10>);
static_assert(tg::loss_for<tg::softmax_cross_entropy, double, 17>);

// The classification losses weigh samples by class (tg::class_weights); the others do not.
static_assert(tg::weighs_samples<tg::softmax_cross_entropy, float, 10>);
static_assert(tg::weighs_samples<tg::nll, double, 3>);
static_assert(tg::weighs_samples<tg::nll_log_probs, float, 4>);
static_assert(!tg::weighs_samples<tg::mse, float, 3>);
static_assert(!tg::weighs_samples<tg::zero_one, float, 3>);

// Regression losses compare with a vector, classification losses with a class index.
static_assert(std::is_same_v<tg::loss_target_t<tg::mae, float, 4>, tg::vec<float, 4>>);
static_assert(std::is_same_v<tg::loss_target_t<tg::mse, double, 4>, tg::vec<double, 4>>);
static_assert(std::is_same_v<tg::loss_target_t<tg::zero_one, float, 4>, std::size_t>);
static_assert(std::is_same_v<tg::loss_target_t<tg::nll, float, 4>, std::size_t>);
static_assert(std::is_same_v<tg::loss_target_t<tg::softmax_cross_entropy, float, 4>, std::size_t>);

// Negative: not losses, or losses of another element type.
static_assert(!tg::loss_for<int, float, 3>);
static_assert(!tg::loss_for<tg::vec<float, 3>, float, 3>);
static_assert(!tg::loss_for<tg::mse, int, 3>);
static_assert(!tg::loss_for<tg::nll, long double, 3>);

struct no_gradient {
    template <class T, std::size_t N>
    using target_type = tg::vec<T, N>;
    template <class T, std::size_t N>
    T value(const tg::vec<T, N>&, const tg::vec<T, N>&) const { return T{}; }
};
static_assert(!tg::loss_for<no_gradient, float, 3>);

struct no_target_type {
    template <class T, std::size_t N>
    T value(const tg::vec<T, N>&, std::size_t) const { return T{}; }
    template <class T, std::size_t N>
    T value_and_grad(const tg::vec<T, N>&, std::size_t, tg::vec<T, N>&) const { return T{}; }
};
static_assert(!tg::loss_for<no_target_type, float, 3>);

struct value_in_double {  // returns double whatever the output's type
    template <class T, std::size_t N>
    using target_type = std::size_t;
    template <class T, std::size_t N>
    double value(const tg::vec<T, N>&, std::size_t) const { return 0; }
    template <class T, std::size_t N>
    double value_and_grad(const tg::vec<T, N>&, std::size_t, tg::vec<T, N>&) const { return 0; }
};
static_assert(tg::loss_for<value_in_double, double, 3>);
static_assert(!tg::loss_for<value_in_double, float, 3>);

struct mutating_value {  // value must be callable on a const loss
    template <class T, std::size_t N>
    using target_type = std::size_t;
    template <class T, std::size_t N>
    T value(const tg::vec<T, N>&, std::size_t) { return T{}; }
    template <class T, std::size_t N>
    T value_and_grad(const tg::vec<T, N>&, std::size_t, tg::vec<T, N>&) const { return T{}; }
};
static_assert(!tg::loss_for<mutating_value, float, 3>);

// The seed's items 8 and 9 and the 0/1 loss, at compile time.
constexpr tg::vec<double, 4> seed_out{0, 2, 5, 3}, seed_y{3, 2, 3, 4};
static_assert(tg::mae{}.value(seed_out, seed_y) == 6);
static_assert(tg::mae{.reduce = tg::reduction::mean}.value(seed_out, seed_y) == 1.5);
static_assert(tg::mse{}.value(seed_out, seed_y) == 14);
static_assert(tg::mse{.reduce = tg::reduction::mean}.value(seed_out, seed_y) == 3.5);
static_assert(tg::zero_one{}.value(tg::vec<double, 2>{0.2, 0.8}, 1) == 0);
static_assert(tg::zero_one{}.value(tg::vec<double, 2>{0.3, 0.7}, 0) == 1);
static_assert(tg::zero_one::predicted_class(tg::vec<float, 5>{1, 2, 5, 3, 5}) == 2);
