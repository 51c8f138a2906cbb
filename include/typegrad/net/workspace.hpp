// tg::workspace<Net, T>: what a forward pass keeps for the backward pass, one cache per layer. Its
// size is a compile-time constant (sizeof), so it is a plain aligned struct: on the stack, or kept
// and reused across samples.
#pragma once

#include <cstddef>

#include <typegrad/core/scalar.hpp>
#include <typegrad/net/params.hpp>

namespace typegrad {

template <network Net, scalar T = float>
struct workspace : detail::cache_tuple<Net, T>::type {
    using net_type = Net;
    using value_type = T;
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
