// Static tests of tg::sequential: sizes, inference of size-preserving layers, parameter counts and
// types, get<I> counting every layer, and constant-expression forward passes of small networks.
#include <type_traits>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

// DESIGN.md's contract network.
using mlp = tg::sequential<tg::dense<784, 256>, tg::relu, tg::dense<256, 128>, tg::relu, tg::dense<128, 10>>;
static_assert(mlp::in_size == 784 && mlp::out_size == 10);
static_assert(mlp::param_count == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10);
static_assert(mlp::layer_count == 5);
static_assert(mlp::sizes[1] == 256 && mlp::sizes[2] == 256 && mlp::sizes[3] == 128 && mlp::sizes[4] == 128);
static_assert(tg::network<mlp>);
static_assert(!tg::network<int>);

// get<I> counts activations, as nn.Sequential does: the second dense is get<2>.
static_assert(std::is_same_v<std::remove_cvref_t<decltype(tg::get<2>(std::declval<tg::params<mlp>&>()))>,
                             tg::dense_params<float, 256, 128>>);
static_assert(std::is_same_v<std::remove_cvref_t<decltype(tg::get<1>(std::declval<tg::params<mlp>&>()))>,
                             tg::no_params>);
static_assert(std::is_same_v<std::remove_cvref_t<decltype(tg::get<0>(std::declval<tg::params<mlp, double>&>()).W)>,
                             tg::panel_mat<double, 256, 784>>);

// Size-preserving layers take their size from the previous layer; params and workspace are plain
// aligned structs of known size.
using heads = tg::sequential<tg::dense<3, 17>, tg::tanh, tg::sigmoid, tg::dense<17, 5>, tg::softmax>;
static_assert(heads::sizes[2] == 17 && heads::sizes[5] == 5);
static_assert(alignof(tg::params<heads>) == 64 && alignof(tg::workspace<heads, double>) == 64);
static_assert(sizeof(tg::params<heads>) >= heads::param_count * sizeof(float));
static_assert(std::is_trivially_copyable_v<tg::params<heads>>);

// Visiting the tensors: layer indices and PyTorch names, counted at compile time.
static_assert([] {
    tg::params<heads> p{};
    std::size_t scalars = 0, names = 0;
    tg::for_each_tensor(
        [&](std::size_t layer, std::string_view name, const auto& t) {
            scalars += t.size();
            names += (layer == 0 || layer == 3) && (name == "weight" || name == "bias");
        },
        p);
    return scalars == heads::param_count && names == 4;
}());

// Constant-expression forward of relu / identity networks (sign: see tests/unit/seed.cpp).
using small = tg::sequential<tg::dense<2, 3>, tg::relu, tg::dense<3, 1>, tg::identity>;
static_assert([] {
    tg::params<small, double> p{};
    tg::get<0>(p).W = {1, 0, 0, 1, 1, 1};
    tg::get<2>(p).W = {2, 3, 5};
    tg::get<2>(p).b = {1};
    // hidden = relu([1, -2, -1]) = [1, 0, 0] -> 2 + 1
    return tg::forward<small>(p, tg::vec<double, 2>{1, -2})[0] == 3;
}());

// A constant-expression gradient: d/dW of (W·x)² at W = [2], x = [3]: 2·6·3 = 36.
static_assert([] {
    using net = tg::sequential<tg::dense<1, 1>>;
    tg::params<net> p{};
    tg::get<0>(p).W = {2};
    auto [loss, grad] = tg::value_and_grad<net>(p, tg::vec<float, 1>{3}, tg::vec<float, 1>{0}, tg::mse{});
    return loss == 36 && tg::get<0>(grad).W(0, 0) == 36 && tg::get<0>(grad).b[0] == 12;
}());
