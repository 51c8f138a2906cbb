// forward (also from tg::inference_params), value_and_grad, an SGD step and a fused tg::sgd_step
// never allocate, and momentum and adam (also under a learning-rate schedule) allocate only on their
// first step: this program replaces the global operator new and delete with counting versions and
// counts around each call.
#include <boost/test/unit_test.hpp>

#include <utility>

#include <typegrad/typegrad.hpp>

#include "alloc_counter.hpp"

using alloc_counter::allocations;

namespace tg = typegrad;

BOOST_AUTO_TEST_SUITE(alloc_free)

using net = tg::sequential<tg::dense<20, 33>, tg::relu, tg::dense<33, 17>, tg::tanh, tg::dense<17, 9>, tg::sigmoid,
                           tg::dense<9, 5>, tg::softmax>;
using logits = tg::sequential<tg::dense<20, 33>, tg::relu, tg::dense<33, 10>>;

BOOST_AUTO_TEST_CASE(the_counter_counts) {
    const std::size_t before = allocations;
    delete new int(3);
    BOOST_TEST(allocations == before + 1);
}

BOOST_AUTO_TEST_CASE(forward_value_and_grad_and_sgd_step_do_not_allocate) {
    static tg::params<net> p = tg::init<net>(1);
    static tg::params<logits, double> q = tg::init<logits, double>(2);
    tg::vec<float, 20> x;
    tg::vec<double, 20> xd;
    for (std::size_t i = 0; i < 20; ++i) xd[i] = x[i] = float(i) / 20;
    tg::vec<float, 5> target{0, 1, 0, 0, 0};

    static const tg::inference_params<net> prepared(p);
    const std::size_t before = allocations;
    const auto y = tg::forward<net>(p, x);
    const auto y2 = tg::forward<net>(prepared, x);
    auto [loss, grad] = tg::value_and_grad<net>(p, x, target, tg::mse{});
    tg::sgd{0.1}.step(p, grad);
    auto [loss2, grad2] = tg::value_and_grad<logits>(q, xd, 3, tg::softmax_cross_entropy{});
    tg::sgd{0.1}.step(q, grad2);
    tg::workspace<logits, double> ws;
    const double loss3 = tg::value_and_grad<logits>(q, xd, 4, tg::softmax_cross_entropy{}, grad2, ws);
    const float loss4 = tg::sgd_step<net>(p, x, target, tg::mse{}, tg::sgd{0.1});
    const double loss5 = tg::sgd_step<logits>(q, xd, 1, tg::softmax_cross_entropy{}, tg::sgd{0.1}, ws);
    BOOST_TEST(allocations == before);
    BOOST_TEST(std::isfinite(y[0] + y2[0] + loss + loss2 + loss3 + loss4 + loss5));
}

// A stateful optimizer allocates its state once, on its first step (one aligned block for the
// velocity, or for m and v), and never again; a copy allocates its own block, a move none.
template <class Optimizer>
void allocates_once(Optimizer opt) {
    static tg::params<logits, double> q = tg::init<logits, double>(3);
    static tg::params<logits, double> grad = tg::init<logits, double>(4);
    std::size_t before = allocations;
    opt.step(q, grad);
    BOOST_TEST(allocations == before + 1);
    before = allocations;
    for (int i = 0; i < 10; ++i) opt.step(q, grad);
    BOOST_TEST(allocations == before);
    Optimizer copy = opt;
    BOOST_TEST(allocations == before + 1);
    Optimizer moved = std::move(copy);
    copy = std::move(moved);
    copy.step(q, grad);
    BOOST_TEST(allocations == before + 1);
    BOOST_TEST(copy.steps() == 12u);
}

BOOST_AUTO_TEST_CASE(momentum_and_adam_allocate_only_on_their_first_step) {
    allocates_once(tg::momentum{0.01, 0.9});
    allocates_once(tg::momentum{0.01, 0.9, true});
    allocates_once(tg::adam{1e-3});
}

// A schedule adds no allocation: a scheduled adam allocates its moments on the first step only.
BOOST_AUTO_TEST_CASE(a_scheduled_optimizer_allocates_only_what_it_wraps) {
    tg::params<logits, double> q = tg::init<logits, double>(3), grad = tg::init<logits, double>(4);
    tg::scheduled opt{tg::adam{1e-3}, tg::sequential_lr{tg::linear_lr{}, 5, tg::cosine_lr{.period = 10}}, tg::per::update};
    std::size_t before = allocations;
    opt.step(q, grad);
    BOOST_TEST(allocations == before + 1);
    before = allocations;
    for (int i = 0; i < 10; ++i) opt.step(q, grad);
    BOOST_TEST(allocations == before);
    BOOST_TEST(opt.updates() == 11u);
}

BOOST_AUTO_TEST_SUITE_END()
