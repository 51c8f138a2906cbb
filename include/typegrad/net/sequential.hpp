// tg::sequential<Layers...>: a network as a flat list of layer types. Its body infers every layer's
// input size from the previous layer's output, checks the sizes that layers state (the error names
// the layer index and both sizes), and exposes in_size, out_size, param_count and the bound types.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include <typegrad/layers/layer.hpp>
#include <typegrad/net/shape_error.hpp>

namespace typegrad {
namespace detail {

// Picking the I-th type of a pack in constant depth: overload resolution on a flat set of bases.
template <std::size_t I, class T>
struct indexed {
    using type = T;
};
template <class Seq, class... Ts>
struct indexer;
template <std::size_t... I, class... Ts>
struct indexer<std::index_sequence<I...>, Ts...> : indexed<I, Ts>... {};
template <std::size_t I, class T>
indexed<I, T> select(const indexed<I, T>&);
template <std::size_t I, class... Ts>
using pack_element = typename decltype(select<I>(indexer<std::index_sequence_for<Ts...>, Ts...>{}))::type;

template <class L>
constexpr std::size_t stated_in_size() {
    if constexpr (states_in_size<L>) return L::in_size;
    else return 0;
}

template <std::size_t In, class L>
constexpr std::size_t out_size_of() {
    if constexpr (requires { L::template out_size_for<In>; }) return L::template out_size_for<In>;
    else return In;  // not a layer: reported by check_layer
}

// chain<In, Layers...>::sizes[k] is layer k's input size and the last entry the output size; each
// layer's input size is the previous layer's output (recursion over layers, never over elements).
template <std::size_t In, class... Layers>
struct chain {
    static constexpr std::array<std::size_t, 1> sizes{In};
};
template <std::size_t In, class L, class... Rest>
struct chain<In, L, Rest...> {
    static constexpr std::array<std::size_t, sizeof...(Rest) + 2> sizes = [] {
        constexpr auto rest = chain<out_size_of<In, L>(), Rest...>::sizes;
        std::array<std::size_t, sizeof...(Rest) + 2> all{In};
        for (std::size_t k = 0; k < rest.size(); ++k) all[k + 1] = rest[k];
        return all;
    }();
};

template <class Net, std::size_t I>
constexpr bool check_layer() {
    using L = typename Net::template layer_type<I>;
    // A layer that states its input size is checked as a layer at that size; the chain check follows.
    constexpr std::size_t probe = states_in_size<L> ? probe_in_size<L> : (Net::sizes[I] > 0 ? Net::sizes[I] : 1);
    if constexpr (!layer<L, float, probe>) {
        return require<false, not_a_layer<layer_index<I>, L>>;
    } else if constexpr (I == 0 && !states_in_size<L>) {
        return require<false, first_layer_without_in_size<L>>;
    } else if constexpr (states_in_size<L>) {
        return require<L::in_size == Net::sizes[I],
                       shape_mismatch<layer_index<I>, expects<L::in_size>, got<Net::sizes[I]>>>;
    } else {
        return true;
    }
}

template <class Net, std::size_t... I>
constexpr bool check_chain(std::index_sequence<I...>) {
    return (check_layer<Net, I>() && ...);
}

}  // namespace detail

template <class... Layers>
struct sequential {
    static_assert(sizeof...(Layers) > 0, "tg::sequential needs at least one layer");

    static constexpr std::size_t layer_count = sizeof...(Layers);
    template <std::size_t I>
    using layer_type = detail::pack_element<I, Layers...>;

    /// sizes[I] is the input size of layer I; sizes[layer_count] is the network's output size.
    static constexpr std::array<std::size_t, layer_count + 1> sizes =
        detail::chain<detail::stated_in_size<detail::pack_element<0, Layers...>>(), Layers...>::sizes;

    // Checked here, in the network's own body, so the error points at the user's declaration.
    static_assert(detail::check_chain<sequential>(std::index_sequence_for<Layers...>{}),
                  "tg::sequential: the layer chain is invalid (see the error above)");

    static constexpr std::size_t in_size = sizes[0];
    static constexpr std::size_t out_size = sizes[layer_count];

    /// Layer I bound to element type T and its inferred input size.
    template <std::size_t I, scalar T>
    using params_type = typename layer_type<I>::template params_type<T, sizes[I]>;
    template <std::size_t I, scalar T>
    using cache_type = typename layer_type<I>::template cache_type<T, sizes[I]>;

    /// Number of scalar parameters over all layers.
    static constexpr std::size_t param_count = [] {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            return (std::size_t{0} + ... + params_type<I, float>::count);
        }(std::index_sequence_for<Layers...>{});
    }();
};

/// @brief Net is a tg::sequential network.
template <class Net>
concept network = requires {
    Net::layer_count;
    Net::in_size;
    Net::out_size;
    Net::sizes;
};

}  // namespace typegrad
