// Static tests of tg::checkpointable: the built-in optimizers, adamw and scheduled ones can be saved in
// a checkpoint and loaded from one; an optimizer or a schedule without a checkpoint member cannot, nor
// a scheduled wrapper around one.
#include <typegrad/io/checkpoint.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/dense.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/optim/adam.hpp>
#include <typegrad/optim/momentum.hpp>
#include <typegrad/optim/schedule.hpp>
#include <typegrad/optim/sgd.hpp>

namespace tg = typegrad;

using mlp = tg::sequential<tg::dense<4, 8>, tg::relu, tg::dense<8, 2>>;
using P = tg::params<mlp>;

static_assert(tg::checkpointable<tg::sgd, P>);
static_assert(tg::checkpointable<tg::momentum, P>);
static_assert(tg::checkpointable<tg::adam, P>);
static_assert(tg::checkpointable<tg::adamw, tg::params<mlp, double>>);
static_assert(tg::checkpointable<tg::scheduled<tg::adam, tg::cosine_lr>, P>);
static_assert(tg::checkpointable<tg::scheduled<tg::sgd, tg::step_lr>, P>);
static_assert(tg::checkpointable<tg::scheduled<tg::momentum, tg::sequential_lr<tg::linear_lr, tg::exponential_lr>>, P>);

// An optimizer of one's own, with a learning rate but no checkpoint member.
struct plain_descent {
    double lr;
    template <class Net, class T>
    void step(tg::params<Net, T>&, const tg::params<Net, T>&) {}
};
static_assert(tg::optimizer<plain_descent, P>);
static_assert(!tg::checkpointable<plain_descent, P>);
static_assert(!tg::checkpointable<tg::scheduled<plain_descent, tg::step_lr>, P>);
static_assert(!tg::checkpointable<tg::adam, int>);

// A schedule of one's own without a checkpoint member: a checkpoint could not check it.
struct halving {
    double lr(double base, std::size_t t) const noexcept { return base / double(1 + t); }
    void check() const {}
};
static_assert(tg::lr_schedule<halving>);
static_assert(tg::optimizer<tg::scheduled<tg::adam, halving>, P>);
static_assert(!tg::checkpointable<tg::scheduled<tg::adam, halving>, P>);
static_assert(!tg::checkpointable<tg::scheduled<tg::adam, tg::sequential_lr<halving, tg::step_lr>>, P>);
