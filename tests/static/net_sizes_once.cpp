// Sizes stated once: tg::dense<Out> takes its input size from the layer before it, and tg::input<N>
// states the network's. Such a network is the same network as the one with every size written out:
// the same layer types, parameters and names.
#include <type_traits>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

using written_once = tg::sequential<tg::input<784>, tg::dense<256>, tg::relu, tg::dense<128>, tg::relu, tg::dense<10>>;
using written_out = tg::sequential<tg::dense<784, 256>, tg::relu, tg::dense<256, 128>, tg::relu, tg::dense<128, 10>>;
static_assert(written_once::layer_count == 5);  // tg::input takes no index: "0.weight" is still the first dense
static_assert(written_once::in_size == 784 && written_once::out_size == 10);
static_assert(std::is_same_v<written_once::layer_type<0>, tg::dense<784, 256>>);
static_assert(std::is_same_v<written_once::layer_type<4>, tg::dense<128, 10>>);
static_assert(std::is_same_v<tg::params<written_once>::tuple_type, tg::params<written_out>::tuple_type>);

// The two-argument form stays, and the forms mix; blocks infer as well.
using mixed = tg::sequential<tg::dense<3, 16>, tg::relu, tg::residual<tg::dense<8>, tg::tanh, tg::dense<16>>,
                             tg::concat<tg::dense<4>, tg::sequential<tg::dense<5>, tg::relu>>, tg::dense<2>>;
static_assert(std::is_same_v<mixed::layer_type<4>, tg::dense<9, 2>>);
static_assert(mixed::param_count == (3 * 16 + 16) + (16 * 8 + 8 + 8 * 16 + 16) + (16 * 4 + 4 + 16 * 5 + 5) + (9 * 2 + 2));

// Not a layer until the network gives it its input size.
static_assert(!tg::states_in_size<tg::dense<16>> && tg::binds_in_size<tg::dense<16>>);
static_assert(tg::layer<tg::dense<3, 16>> && !tg::binds_in_size<tg::dense<3, 16>>);
