// Static tests of a network's plan (typegrad/net/plan.hpp): the fusion rule, the steps, the layers that
// need an input gradient and where tg::fit's threads go from neurons to samples.
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

using mlp = tg::sequential<tg::dense<784, 256>, tg::relu, tg::dense<256, 128>, tg::relu, tg::dense<128, 10>>;
using mlp_plan = tg::detail::plan<mlp, float>;
static_assert(mlp_plan::fuses == std::array{true, false, true, false, false});
static_assert(mlp_plan::steps == std::array<std::size_t, 3>{0, 2, 4});
static_assert(mlp_plan::fuses_next<2> && !mlp_plan::fuses_next<4>);
static_assert(mlp_plan::fused_away<1> && mlp_plan::fused_away<3> && !mlp_plan::fused_away<2>);
static_assert(std::is_same_v<mlp_plan::fused_activation<0>, tg::relu> && std::is_void_v<mlp_plan::fused_activation<4>>);
static_assert(!mlp_plan::needs_input_grad<0> && mlp_plan::needs_input_grad<2>);
static_assert(mlp_plan::splits_by_neurons);
// 256 → 128 has 128 KB of float weights, over 64 KiB: only the last dense goes by samples; in a small
// network every step does.
static_assert(mlp_plan::by_samples_from == 4);
using small = tg::sequential<tg::dense<4, 8>, tg::tanh, tg::dense<8, 2>>;
static_assert(tg::detail::plan<small, double>::by_samples_from == 0);

// Only an elementwise activation after a layer that fuses it: not softmax, identity or dropout.
using heads = tg::sequential<tg::dense<4, 3>, tg::softmax, tg::dense<3, 3>, tg::identity, tg::dense<3, 3>,
                             tg::dropout<50>, tg::dense<3, 2>, tg::sigmoid>;
using heads_plan = tg::detail::plan<heads, float>;
static_assert(heads_plan::steps == std::array<std::size_t, 7>{0, 1, 2, 3, 4, 5, 6});
static_assert(heads_plan::fuses_next<6> && heads_plan::fused_away<7>);
static_assert(!heads_plan::splits_by_neurons);

// A relu first, or two activations in a row: each layer is its own step, save the one dense fuses.
using relu_first = tg::sequential<tg::dense<3, 3>, tg::relu, tg::relu, tg::batch_norm, tg::dense<3, 1>>;
static_assert(tg::detail::plan<relu_first, double>::steps == std::array<std::size_t, 4>{0, 2, 3, 4});

// The size chain (a hana::scan_left over the layer list).
static_assert(mlp::sizes == std::array<std::size_t, 6>{784, 256, 256, 128, 128, 10});
static_assert(std::is_same_v<mlp::layer_type<2>, tg::dense<256, 128>>);

}  // namespace
