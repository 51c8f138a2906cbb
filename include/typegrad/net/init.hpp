// tg::init<Net, T>(seed): fresh parameters, the same for a seed on every platform. Each layer draws
// from its own generator (seeded from the seed and its index), so changing one layer's size leaves
// the others' numbers alone. A layer followed by a rectifier (relu, leaky_relu, elu, softplus, silu,
// gelu: tg::rectifier) gets He initialisation, any other Glorot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include <typegrad/layers/init.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/net/params.hpp>

namespace typegrad {
namespace detail {

template <class Net, std::size_t I>
constexpr init_scheme scheme_for() {
    if constexpr (I + 1 < Net::layer_count) {
        if constexpr (rectifier<typename Net::template layer_type<I + 1>>) return init_scheme::he_uniform;
    }
    return init_scheme::glorot_uniform;
}

}  // namespace detail

/// Overwrites p with initial parameters drawn from seed.
template <class Net, class T>
void init(params<Net, T>& p, std::uint64_t seed) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (..., [&] {
            rng r{seed ^ (0xD1B54A32D192ED03ull * (I + 1))};
            Net::template layer_type<I>::init(get<I>(p), r, detail::scheme_for<Net, I>());
        }());
    }(std::make_index_sequence<Net::layer_count>{});
}

/// Initial parameters for Net in element type T, drawn from seed.
template <network Net, scalar T = float>
params<Net, T> init(std::uint64_t seed) {
    params<Net, T> p{};
    init(p, seed);
    return p;
}

}  // namespace typegrad
