// Static tests of the tg::layer concept: every built-in layer satisfies it, and types that miss a
// part of the interface do not.
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

static_assert(tg::layer<tg::dense<2, 16>>);
static_assert(tg::layer<tg::dense<784, 256>, double>);
static_assert(tg::layer<tg::identity>);
static_assert(tg::layer<tg::sign>);
static_assert(tg::layer<tg::sigmoid, double, 17>);
static_assert(tg::layer<tg::relu, float, 67>);
static_assert(tg::layer<tg::tanh>);
static_assert(tg::layer<tg::softmax, float, 10>);
static_assert(tg::layer<tg::activation<tg::x_ * tg::expr::sigmoid(tg::x_)>, double, 5>);

// activation<Expr> evaluates Expr and, in backward, d(Expr, x_) - in constant expressions too.
static_assert([] {
    using cube = tg::activation<tg::pow<3>(tg::x_)>;
    tg::input_cache<double, 2> cache;
    tg::no_params none;
    const auto y = cube::forward(none, tg::vec<double, 2>{2, -1}, cache, tg::mode::training);
    const auto g = cube::backward(none, cache, tg::vec<double, 2>{1, 0.5}, none);
    return y == tg::vec<double, 2>{8, -1} && g == tg::vec<double, 2>{12, 1.5};
}());

static_assert(tg::states_in_size<tg::dense<3, 4>>);
static_assert(!tg::states_in_size<tg::relu>);
static_assert(tg::relu::out_size_for<17> == 17);
static_assert(tg::dense<3, 4>::out_size_for<3> == 4);

// Negative: not layers.
static_assert(!tg::layer<int>);
static_assert(!tg::layer<tg::vec<float, 3>>);
struct only_sizes {
    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
};
static_assert(!tg::layer<only_sizes>);
struct no_backward {
    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
    template <tg::scalar T, std::size_t>
    using params_type = tg::no_params;
    template <tg::scalar T, std::size_t>
    using cache_type = tg::no_params;
    static constexpr void init(tg::no_params&, tg::rng&, tg::init_scheme) {}
    template <tg::scalar T, std::size_t N>
    static constexpr tg::vec<T, N> forward(const tg::no_params&, const tg::vec<T, N>& x, tg::no_params&, tg::mode) {
        return x;
    }
};
static_assert(!tg::layer<no_backward>);

// A user-written layer with the whole interface is a layer and works in a network.
struct doubler : no_backward {
    template <tg::scalar T, std::size_t N>
    static constexpr tg::vec<T, N> backward(const tg::no_params&, const tg::no_params&, const tg::vec<T, N>& g,
                                            tg::no_params&) {
        tg::vec<T, N> r;
        for (std::size_t i = 0; i < N; ++i) r[i] = 2 * g[i];
        return r;
    }
    template <tg::scalar T, std::size_t N>
    static constexpr tg::vec<T, N> forward(const tg::no_params&, const tg::vec<T, N>& x, tg::no_params&, tg::mode) {
        tg::vec<T, N> r;
        for (std::size_t i = 0; i < N; ++i) r[i] = 2 * x[i];
        return r;
    }
};
static_assert(tg::layer<doubler>);
using doubled = tg::sequential<tg::dense<1, 2>, doubler>;
static_assert(doubled::out_size == 2);
static_assert([] {
    tg::params<doubled> p{};
    tg::get<0>(p).W = {1, -3};
    return tg::forward<doubled>(p, tg::vec<float, 1>{2}) == tg::vec<float, 2>{4, -12};
}());

// Losses and optimizers.
static_assert(tg::loss_for<tg::mse, float, 3>);
static_assert(tg::loss_for<tg::softmax_cross_entropy, double, 10>);
static_assert(!tg::loss_for<int, float, 3>);
static_assert(tg::optimizer<tg::sgd, tg::params<doubled>>);
static_assert(!tg::optimizer<int, tg::params<doubled>>);
static_assert(!tg::optimizer<tg::sgd, int>);

// Sequence layers (tg::sequence_layer) are not per-sample layers, and per-sample layers are not sequence
// layers; tg::last_step alone ends a sequence.
static_assert(tg::sequence_layer<tg::conv1d<3, 5, 3, 2>> && tg::sequence_layer<tg::conv1d<1, 1, 1>, double>);
static_assert(tg::sequence_layer<tg::last_step, float, 7> && tg::ends_sequence<tg::last_step, double, 3>);
static_assert(!tg::layer<tg::conv1d<3, 5, 3>> && !tg::batch_layer<tg::conv1d<3, 5, 3>>);
static_assert(!tg::ends_sequence<tg::conv1d<3, 5, 3>>);
static_assert(!tg::sequence_layer<tg::dense<3, 4>> && !tg::sequence_layer<tg::tanh> && !tg::sequence_layer<int>);
