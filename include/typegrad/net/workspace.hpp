// tg::workspace<Net, T>: what a forward pass keeps for the backward pass, one cache per layer. Its
// size is a compile-time constant (sizeof), so it is a plain aligned struct: on the stack, or kept
// and reused across samples.
#pragma once

#include <cstddef>
#include <utility>

#include <typegrad/core/scalar.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/net/params.hpp>

namespace typegrad {

namespace detail {

/// Starts the per-sample generators of Net's layers that draw (tg::draws_randomly) in caches, Net's
/// first draw being the network's draw first_draw.
template <class Net, class Caches>
constexpr void seed_draws(Caches& caches, std::size_t first_draw) noexcept {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (..., [&] {
            if constexpr (Net::draw_offsets[I + 1] > Net::draw_offsets[I])
                seed_layer<typename Net::template layer_type<I>>(slot_value<I>(caches), first_draw + Net::draw_offsets[I]);
        }());
    }(std::make_index_sequence<Net::layer_count>{});
}

}  // namespace detail

template <network Net, scalar T = float>
struct workspace : detail::cache_tuple<Net, T>::type {
    using net_type = Net;
    using value_type = T;

    workspace() = default;
    /// With layers that draw (dropout): each starts its generator at its own draw, so that two dropout
    /// layers draw different masks.
    constexpr workspace() noexcept
        requires(Net::draw_offsets[Net::layer_count] > 0)
    {
        detail::seed_draws<Net>(*this, 0);
    }
};

/// Layer I's cache.
template <std::size_t I, class Net, class T>
constexpr auto& get(workspace<Net, T>& ws) noexcept {
    return detail::slot_value<I>(ws);
}
template <std::size_t I, class Net, class T>
constexpr const auto& get(const workspace<Net, T>& ws) noexcept {
    return detail::slot_value<I>(ws);
}

}  // namespace typegrad
