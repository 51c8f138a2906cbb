// Large networks' parameters live on the heap (tg::params_stack_limit): one allocation when a params
// value is made, deep copies, assignment into place without allocating, and the README's first
// example (784-256-128-10) runs on a 256 KiB stack, where its 0.9 MB params values would not fit.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include <typegrad/typegrad.hpp>

#include "fault_support.hpp"
#include "io_support.hpp"

namespace tg = typegrad;

namespace {

using mlp = tg::sequential<tg::dense<784, 256>, tg::relu, tg::dense<256, 128>, tg::relu, tg::dense<128, 10>>;
using small = tg::sequential<tg::dense<2, 16>, tg::relu, tg::dense<16, 1>>;

static_assert(!tg::params<small>::on_heap && std::is_trivially_copyable_v<tg::params<small>>);
static_assert(sizeof(tg::params<small>) == sizeof(tg::params<small>::tuple_type));
static_assert(tg::params<mlp>::on_heap && sizeof(tg::params<mlp>) == sizeof(void*));
static_assert(sizeof(tg::params<mlp>::tuple_type) > tg::params_stack_limit);

}  // namespace

BOOST_AUTO_TEST_SUITE(net_large_params)

BOOST_AUTO_TEST_CASE(copies_are_deep_and_assignment_copies_into_place) {
    tg::params<mlp> zero{};
    BOOST_TEST(tg::get<0>(zero).W(255, 783) == 0.0f);
    BOOST_TEST(tg::get<4>(zero).b[9] == 0.0f);
    tg::params<mlp> p = tg::init<mlp>(42);
    const tg::params<mlp> copy = p;
    BOOST_TEST(tg::get<0>(copy).W.data() != tg::get<0>(p).W.data());
    BOOST_TEST((copy == p));
    tg::get<2>(p).W(3, 4) += 1;
    BOOST_TEST(!(copy == p));
    // Assigning to a params that has its storage copies into it: the tensors stay where they were.
    const float* where = tg::get<0>(p).W.data();
    p = copy;
    BOOST_TEST(tg::get<0>(p).W.data() == where);
    BOOST_TEST((copy == p));
    // A move takes the storage; the moved-from value takes new storage when assigned to.
    tg::params<mlp> moved = std::move(p);
    BOOST_TEST(tg::get<0>(moved).W.data() == where);
    p = copy;
    BOOST_TEST((p == moved));
}

// The README's first example, with 256 generated samples instead of Fashion-MNIST, on a thread with
// a 256 KiB stack, in a child process: a stack overflow would kill the child.
BOOST_AUTO_TEST_CASE(the_readme_example_runs_on_a_256_kib_stack) {
    const std::string text = fault_support::in_child(120, [] { return fault_support::on_stack_of(256 << 10, [] {
        tg::dataset<float, 784> train_set, test_set;
        for (std::size_t i = 0; i < 256; ++i) {
            tg::vec<float, 784> x{};
            x[(i * 37) % 784] = 1;
            x[i % 10] = 2;
            (i % 4 ? train_set : test_set).push_back(x, i % 10);
        }
        tg::params<mlp> p = tg::init<mlp>(/*seed=*/42);
        tg::vec<float, 784> x{};
        tg::vec<float, 10> y = tg::forward<mlp>(p, x);
        auto [loss, grad] = tg::value_and_grad<mlp>(p, x, /*label=*/3, tg::softmax_cross_entropy{});
        tg::sgd sgd{0.01f};
        sgd.step(p, grad);
        tg::adam opt{1e-3f};
        tg::fit<mlp>(p, train_set, tg::softmax_cross_entropy{}, opt,
                     {.epochs = 3, .batch_size = 64, .seed = 1, .threads = 2, .report = tg::progress::none});
        const double acc = tg::accuracy<mlp>(p, test_set);
        tg::save(p, io_support::tmp("large.safetensors"));
        const bool same = tg::load<mlp>(io_support::tmp("large.safetensors")) == p;
        return std::string(same && std::isfinite(loss) && std::isfinite(y[0]) && acc >= 0 ? "ran" : "wrong result");
    }); });
    BOOST_TEST(text == "ran");
}

BOOST_AUTO_TEST_SUITE_END()
