// Gradient descent runs in a constant expression too: the seed's x² from 10 with η = 0.8, and
// f(x, y) = (x − 1)² + 2(y + 2)², whose gradient comes from tg::d.
#include <array>

#include <typegrad/expr.hpp>
#include <typegrad/optim/gradient_descent.hpp>

namespace tg = typegrad;

constexpr auto seed_run = tg::gradient_descent(tg::gradient(tg::pow<2>(tg::x_), tg::x_), std::array{10.0},
                                               {.learning_rate = 0.8, .gradient_tolerance = 0, .max_iterations = 3});
static_assert(seed_run.reason == tg::stop_reason::max_iterations && seed_run.steps == 3);
static_assert(seed_run.point[0] - -2.16 < 1e-12 && -2.16 - seed_run.point[0] < 1e-12);

constexpr auto bowl = tg::pow<2>(tg::x_ - 1) + 2 * tg::pow<2>(tg::y_ + 2);
constexpr auto bowl_run = tg::gradient_descent(tg::gradient(bowl, tg::x_, tg::y_), std::array{0.0, 0.0},
                                               {.learning_rate = 0.1, .gradient_tolerance = 1e-9, .max_iterations = 500});
static_assert(bowl_run.reason == tg::stop_reason::converged);
static_assert(bowl_run.point[0] - 1 < 1e-9 && 1 - bowl_run.point[0] < 1e-9);
static_assert(bowl_run.point[1] + 2 < 1e-9 && -2 - bowl_run.point[1] < 1e-9);
