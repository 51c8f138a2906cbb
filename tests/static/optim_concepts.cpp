// Static tests of tg::optimizer: sgd, momentum and adam update any network's params in float and
// double, and types that cannot do so are not optimizers; how the optimizers are built, copied and
// moved.
#include <type_traits>

#include <typegrad/core/mat.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/dense.hpp>
#include <typegrad/loss/mse.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/optim/adam.hpp>
#include <typegrad/optim/momentum.hpp>
#include <typegrad/optim/schedule.hpp>
#include <typegrad/optim/sgd.hpp>

namespace tg = typegrad;

using mlp = tg::sequential<tg::dense<784, 256>, tg::relu, tg::dense<256, 128>, tg::relu, tg::dense<128, 10>>;
using line = tg::sequential<tg::dense<1, 1>>;

static_assert(tg::optimizer<tg::sgd, tg::params<mlp>>);
static_assert(tg::optimizer<tg::sgd, tg::params<line, double>>);
static_assert(tg::optimizer<tg::momentum, tg::params<mlp>>);
static_assert(tg::optimizer<tg::momentum, tg::params<line, double>>);
static_assert(tg::optimizer<tg::adam, tg::params<mlp>>);
static_assert(tg::optimizer<tg::adam, tg::params<line, double>>);

// sgd has no state, so a const one still steps; momentum and adam update their state.
static_assert(tg::optimizer<const tg::sgd, tg::params<mlp>>);
static_assert(!tg::optimizer<const tg::momentum, tg::params<mlp>>);
static_assert(!tg::optimizer<const tg::adam, tg::params<mlp>>);

// Negative: not params, or not optimizers.
static_assert(!tg::optimizer<tg::adam, int>);
static_assert(!tg::optimizer<tg::adam, tg::vec<float, 3>>);
static_assert(!tg::optimizer<tg::momentum, tg::mat<float, 2, 2>>);
static_assert(!tg::optimizer<int, tg::params<mlp>>);
static_assert(!tg::optimizer<tg::mse, tg::params<mlp>>);

struct only_for_lines {  // steps one network type only
    void step(tg::params<line>&, const tg::params<line>&) {}
};
static_assert(tg::optimizer<only_for_lines, tg::params<line>>);
static_assert(!tg::optimizer<only_for_lines, tg::params<mlp>>);
static_assert(!tg::optimizer<only_for_lines, tg::params<line, double>>);
struct only_for_lines_with_lr : only_for_lines {
    double lr = 0.1;
};

// Built from their hyper-parameters, not from a network type: tg::adam opt{1e-3f}.
static_assert(std::is_constructible_v<tg::adam, float>);
static_assert(std::is_constructible_v<tg::adam, double, double, double, double>);
static_assert(!std::is_convertible_v<double, tg::adam>);  // explicit: a number is not silently an optimizer
static_assert(!std::is_default_constructible_v<tg::adam>);  // the learning rate has no default
static_assert(std::is_constructible_v<tg::momentum, double, double>);
static_assert(std::is_constructible_v<tg::momentum, double, double, bool>);
static_assert(!std::is_default_constructible_v<tg::momentum>);

// State is deep-copied; moves never throw (and never allocate).
static_assert(std::is_copy_constructible_v<tg::adam> && std::is_copy_assignable_v<tg::adam>);
static_assert(std::is_nothrow_move_constructible_v<tg::adam> && std::is_nothrow_move_assignable_v<tg::adam>);
static_assert(std::is_copy_constructible_v<tg::momentum> && std::is_copy_assignable_v<tg::momentum>);
static_assert(std::is_nothrow_move_constructible_v<tg::momentum> && std::is_nothrow_move_assignable_v<tg::momentum>);

// The built-in optimizers check their hyper-parameters (tg::fit calls check<T>() up front); an
// optimizer of one's own need not.
static_assert(tg::checked_optimizer<tg::sgd, float> && tg::checked_optimizer<tg::sgd, double>);
static_assert(tg::checked_optimizer<tg::momentum, float> && tg::checked_optimizer<tg::adam, double>);
static_assert(!tg::checked_optimizer<only_for_lines, float>);

// Learning-rate schedules are tg::lr_schedule; tg::scheduled keeps what the optimizer it wraps can do
// (splitting its step, checking its hyper-parameters) and counts epochs for tg::fit.
static_assert(tg::lr_schedule<tg::step_lr> && tg::lr_schedule<tg::exponential_lr> && tg::lr_schedule<tg::cosine_lr>);
static_assert(tg::lr_schedule<tg::linear_lr> && tg::lr_schedule<tg::sequential_lr<tg::linear_lr, tg::cosine_lr>>);
static_assert(!tg::lr_schedule<tg::adam> && !tg::lr_schedule<double>);
using scheduled_adam = tg::scheduled<tg::adam, tg::cosine_lr>;
static_assert(tg::splittable_optimizer<scheduled_adam, tg::params<mlp>> && tg::checked_optimizer<scheduled_adam, float>);
static_assert(tg::epoch_counting<scheduled_adam> && !tg::epoch_counting<tg::adam>);
static_assert(!tg::splittable_optimizer<tg::scheduled<only_for_lines_with_lr, tg::step_lr>, tg::params<line>>);
static_assert(tg::optimizer<tg::scheduled<only_for_lines_with_lr, tg::step_lr>, tg::params<line>>);
