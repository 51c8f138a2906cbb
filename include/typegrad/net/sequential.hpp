// tg::sequential<Layers...>: a network as a flat list of layer types (a hana::tuple_t). Its body infers
// every layer's input size from the previous layer's output (a hana::scan_left), checks the sizes that
// layers state (the error names the layer index and both sizes), and exposes in_size, out_size,
// param_count and the bound types.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/scan_left.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include <typegrad/layers/layer.hpp>
#include <typegrad/net/shape_error.hpp>

namespace typegrad {
namespace hana = boost::hana;

/// tg::sequential<tg::input<N>, Layers...>: the network's input has N entries, so that its first layer
/// need not state it (tg::dense<Out>). Not a layer: it takes no index, and names no tensor.
template <std::size_t N>
struct input {
    static_assert(N > 0, "tg::input<N> needs N >= 1");
};

namespace detail {

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

// The size chain, a left scan over the layer list: entry k is layer k's input size, the last entry
// the network's output size; each layer's input size is the previous layer's output.
template <std::size_t In, class Layers>
constexpr auto size_chain(Layers layers) {
    constexpr auto sizes = hana::scan_left(layers, hana::size_c<In>, [](auto in, auto layer) {
        return hana::size_c<out_size_of<decltype(in)::value, typename decltype(layer)::type>()>;
    });
    return hana::unpack(sizes, [](auto... size) { return std::array<std::size_t, sizeof...(size)>{size...}; });
}

template <class Net, std::size_t I>
constexpr bool check_bound_layer();

template <class Net, std::size_t I>
constexpr bool check_layer() {
    if constexpr (I == 0 && Net::sizes[0] == 0) {
        return require<false, first_layer_without_in_size<typename Net::template written_type<0>>>;
    } else {
        return check_bound_layer<Net, I>();
    }
}

template <class Net, std::size_t I>
constexpr bool check_bound_layer() {
    using L = typename Net::template layer_type<I>;
    // A layer that states its input size is checked as a layer at that size; the chain check follows.
    constexpr std::size_t probe = states_in_size<L> ? probe_in_size<L> : (Net::sizes[I] > 0 ? Net::sizes[I] : 1);
    if constexpr (!layer<L, float, probe> && !sequence_layer<L, float, probe>) {
        return require<false, not_a_layer<layer_index<I>, L>>;
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

// What a layer list entry stands for: itself, or, for a network nested in the list, the layer that
// runs it (tg::detail::block, net/block.hpp).
template <class L>
struct as_layer {
    using type = L;
};
template <class L>
using as_layer_t = typename as_layer<L>::type;

template <class... Layers>
struct first_layer {
    using type = void;
};
template <class First, class... Rest>
struct first_layer<First, Rest...> {
    using type = as_layer_t<First>;
};
template <class... Layers>
using first_layer_t = typename first_layer<Layers...>::type;

/// {0, N₀, N₀ + N₁, …}: where each entry of a list starts when entry k takes N_k places (a layer's
/// draws, a branch's outputs); the last is their sum.
template <std::size_t... N>
inline constexpr std::array<std::size_t, sizeof...(N) + 1> starts = [] {
    std::array<std::size_t, sizeof...(N) + 1> at{};
    std::size_t k = 0;
    (..., (at[k + 1] = at[k] + N, ++k));
    return at;
}();

/// The body of a network whose input size is In (0: unknown, an error): the layer list, the size
/// chain, its checks and the bound types. tg::sequential is the chain whose first layer states In; a
/// block (tg::residual, a nested sequential) is the chain of its layers from the size it is given.
template <std::size_t In, class... Layers>
struct chain {
    static_assert(sizeof...(Layers) > 0, "tg::sequential: a network needs at least one layer");

    static constexpr std::size_t layer_count = sizeof...(Layers);
    /// The layers as written (a hana::tuple of hana::type), tg::dense<Out> still without its input size.
    static constexpr auto written = hana::tuple_t<as_layer_t<Layers>...>;
    template <std::size_t I>
    using written_type = typename decltype(+hana::at_c<I>(written))::type;

    /// sizes[I] is the input size of layer I; sizes[layer_count] is the network's output size.
    static constexpr std::array<std::size_t, layer_count + 1> sizes = size_chain<In>(written);

    /// Layer I, given its input size.
    template <std::size_t I>
    using layer_type = bound_layer_t<written_type<I>, sizes[I]>;
    /// The layer list, each given its input size: a hana::tuple of hana::type.
    static constexpr auto layers = []<std::size_t... I>(std::index_sequence<I...>) {
        return hana::tuple_t<layer_type<I>...>;
    }(std::index_sequence_for<Layers...>{});

    // Checked here, in the network's own body, so the error points at the user's declaration.
    static_assert(check_chain<chain>(std::index_sequence_for<Layers...>{}),
                  "tg::sequential: the layer chain is invalid (see the error above)");

    static constexpr std::size_t in_size = sizes[0];
    static constexpr std::size_t out_size = sizes[layer_count];

    /// Layer I bound to element type T and its inferred input size.
    template <std::size_t I, scalar T>
    using params_type = typename layer_type<I>::template params_type<T, sizes[I]>;
    template <std::size_t I, scalar T>
    using cache_type = typename layer_type<I>::template cache_type<T, sizes[I]>;

    /// Some layer is a tg::sequence_layer (conv1d, gru, lstm, last_step): the network runs over time
    /// steps (tg::stream, tg::forward_sequence in net/sequence.hpp), not per sample.
    static constexpr bool has_sequence_layers = []<std::size_t... I>(std::index_sequence<I...>) {
        return (false || ... || sequence_layer<layer_type<I>, float, sizes[I]>);
    }(std::index_sequence_for<Layers...>{});

    /// draw_offsets[I]: how many draws (tg::draw_count) the layers before layer I make per sample, so
    /// that layer I's first is draw_offsets[I]; draw_offsets[layer_count]: all of them.
    static constexpr std::array<std::size_t, layer_count + 1> draw_offsets =
        starts<draw_count<as_layer_t<Layers>>...>;

    /// Number of scalar parameters over all layers.
    static constexpr std::size_t param_count = [] {
        return []<std::size_t... I>(std::index_sequence<I...>) {
            return (std::size_t{0} + ... + params_type<I, float>::count);
        }(std::index_sequence_for<Layers...>{});
    }();
};

template <class First>
constexpr std::size_t unknown_in_size() {
    static_cast<void>(require<false, first_layer_without_in_size<First>>);
    return 0;
}

/// A sequential whose first layer states no input size (an activation, dropout): it can run nested
/// in another network, which gives it its input size; used as a network of its own, its sizes are
/// the error.
template <class First>
struct unsized_chain {
    static constexpr std::size_t in_size = unknown_in_size<First>();
    static constexpr std::size_t out_size = in_size;
    static constexpr std::size_t layer_count = in_size;
    static constexpr std::array<std::size_t, 1> sizes{in_size};
};

template <class... Layers>
struct sequential_body {
    using type = std::conditional_t<sizeof...(Layers) == 0 || states_in_size<first_layer_t<Layers...>>,
                                    chain<stated_in_size<first_layer_t<Layers...>>(), Layers...>,
                                    unsized_chain<first_layer_t<Layers...>>>;
};
template <std::size_t N, class... Layers>
struct sequential_body<input<N>, Layers...> {
    using type = chain<N, Layers...>;
};

}  // namespace detail

/// A network: its layers in order, each one's input the previous one's output. The network's input
/// size is stated by its first layer (tg::dense<In, Out>) or by a tg::input<N> before the layers; every
/// later size may then be left out (tg::dense<Out>). A tg::sequential in another's list runs as one
/// layer (PyTorch's nested nn.Sequential), its parameters named "<index>.<its own names>"; its first
/// layer may then leave the size to the layer before it.
template <class... Layers>
struct sequential : detail::sequential_body<Layers...>::type {};

/// @brief Net is a tg::sequential network.
template <class Net>
concept network = requires {
    Net::layer_count;
    Net::in_size;
    Net::out_size;
    Net::sizes;
};

/// @brief Net is a tg::sequential network holding a sequence layer (see chain::has_sequence_layers).
template <class Net>
concept sequence_network = network<Net> && requires { requires Net::has_sequence_layers; };

}  // namespace typegrad
