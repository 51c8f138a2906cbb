// The plan of a network, computed once at compile time from its type: which layers run fused with
// the next, the steps the passes walk, which layers need ∂L/∂(input), and where tg::fit's threads
// stop splitting neurons and split samples. Every pass is a walk over the plan: the batch passes and
// tg::fit's neuron split call a function per step or layer (walk_steps, walk_layers); the per-sample
// passes thread one vector through the steps or layers (thread_steps, thread_layers).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/layers/layer.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad::detail {

template <class Net, class T>
struct plan {
    static constexpr std::size_t count = Net::layer_count;
    template <std::size_t I>
    using layer = typename Net::template layer_type<I>;

    /// The fusion rule, in one place: fuses[I] when layer I can run layer I + 1, an elementwise
    /// activation, as the epilogue of its forward, in every pass (tg::fuses_activation).
    static constexpr std::array<bool, count> fuses = []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<bool, count>{[] {
            if constexpr (I + 1 < count) return fuses_activation<layer<I>, layer<I + 1>, T, Net::sizes[I]>;
            else return false;
        }()...};
    }(std::make_index_sequence<count>{});

    /// The forward's steps: each starts at a layer and covers it, or it and the activation it fuses.
    static constexpr std::array<bool, count> starts_step = [] {
        std::array<bool, count> s{};
        for (std::size_t i = 0; i < count; i += fuses[i] ? 2 : 1) s[i] = true;
        return s;
    }();
    static constexpr std::size_t step_count = [] {
        std::size_t k = 0;
        for (bool s : starts_step) k += s;
        return k;
    }();
    static constexpr std::array<std::size_t, step_count> steps = [] {
        std::array<std::size_t, step_count> s{};
        for (std::size_t i = 0, k = 0; i < count; ++i)
            if (starts_step[i]) s[k++] = i;
        return s;
    }();
    /// Step S fuses the activation after it.
    template <std::size_t S>
    static constexpr bool fuses_next = starts_step[S] && fuses[S];
    /// Layer I is an activation that the step before it runs fused.
    template <std::size_t I>
    static constexpr bool fused_away = I > 0 && I < count && starts_step[I - 1] && fuses[I - 1];
    /// The layer after step S's last one.
    template <std::size_t S>
    static constexpr std::size_t after = S + (fuses_next<S> ? 2 : 1);
    /// The activation step S fuses, or void.
    template <std::size_t S>
    using fused_activation = std::conditional_t<fuses_next<S>, layer<(S + 1 < count ? S + 1 : S)>, void>;
    /// The cache of the activation step S fuses, or tg::no_params; named only where there is one (the
    /// layer after a step that fuses nothing may have no cache_type: a sequence layer).
    template <std::size_t S, bool Fuses = fuses_next<S>>
    struct fused_cache_of {
        using type = no_params;
    };
    template <std::size_t S>
    struct fused_cache_of<S, true> {
        using type = typename Net::template cache_type<S + 1, T>;
    };
    template <std::size_t S>
    using fused_cache = typename fused_cache_of<S>::type;

    /// Layer I's backward must produce ∂L/∂(its input): every layer's but the first's.
    template <std::size_t I>
    static constexpr bool needs_input_grad = I > 0;

    /// tg::fit can split the batch by neurons: every step's layer splits its neurons, together with the
    /// activation it fuses (tg::splits_neurons).
    static constexpr bool splits_by_neurons = []<std::size_t... K>(std::index_sequence<K...>) {
        return (... && splits_neurons<layer<steps[K]>, fused_activation<steps[K]>, T, Net::sizes[steps[K]]>);
    }(std::make_index_sequence<step_count>{});

    /// In a neuron split, the steps from this layer on go by samples: the last one, and before it those
    /// whose weights take at most 64 KiB. Every thread reads all of such a W each batch, which costs less
    /// than exchanging the layer's activations at two more barriers; a larger W stays split, each core
    /// keeping its rows. (784-256-128-10 in float: the 128 KB of 256 → 128 by samples made a step on two
    /// threads 4-10% slower.) A small network thus goes by samples throughout, with one barrier per batch.
    static constexpr std::size_t by_samples_from = [] {
        std::size_t first = steps[step_count - 1];
        for (std::size_t k = step_count - 1; k-- > 0;) {
            if (Net::sizes[steps[k]] * Net::sizes[steps[k] + 1] * sizeof(T) > (std::size_t{64} << 10)) break;
            first = steps[k];
        }
        return first;
    }();
};

/// Calls f(std::integral_constant<std::size_t, S>{}) for every step S of Net's plan, in order, or
/// last to first when Reverse.
template <class Net, class T, bool Reverse = false, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void walk_steps(F&& f) {
    using P = plan<Net, T>;
    [&]<std::size_t... K>(std::index_sequence<K...>) TYPEGRAD_ALWAYS_INLINE {
        (..., f(std::integral_constant<std::size_t, P::steps[Reverse ? P::step_count - 1 - K : K]>{}));
    }(std::make_index_sequence<P::step_count>{});
}

/// Calls f(std::integral_constant<std::size_t, I>{}) for every layer I of Net, in order, or last to
/// first when Reverse.
template <class Net, bool Reverse = false, class F>
TYPEGRAD_ALWAYS_INLINE constexpr void walk_layers(F&& f) {
    [&]<std::size_t... K>(std::index_sequence<K...>) TYPEGRAD_ALWAYS_INLINE {
        (..., f(std::integral_constant<std::size_t, Reverse ? Net::layer_count - 1 - K : K>{}));
    }(std::make_index_sequence<Net::layer_count>{});
}

/// No scratch for a step of a threaded walk.
template <std::size_t>
struct no_scratch {};

/// One stage of a threaded walk: f maps the previous stage's vector to the next, given the stage's
/// scratch, a temporary of the walk's full expression. (A separate object, not a member: at -O2 GCC
/// zeroes a whole stage with `rep stos`, padding included, which costs more than a small step.)
template <class F, class Scratch>
struct stage {
    F f;
    Scratch&& scratch;
};
template <class V, class F, class Scratch>
TYPEGRAD_ALWAYS_INLINE constexpr decltype(auto) operator>>(const V& in, stage<F, Scratch>&& s) {
    return s.f(in, s.scratch);
}

/// x threaded through f(std::integral_constant<std::size_t, S>{}, x, scratch) for every step S of Net's
/// plan, in order (a left fold): each step's result is the next one's input; returns a copy of the last
/// result. Each step gets a Scratch<S> of its own that lives until the walk ends, so a step may return
/// a reference into it (inference keeps its caches there) or into a longer-lived workspace.
template <class Net, class T, template <std::size_t> class Scratch = no_scratch, class X, class F>
TYPEGRAD_ALWAYS_INLINE constexpr auto thread_steps(const X& x, F&& f) {
    using P = plan<Net, T>;
    return [&]<std::size_t... K>(std::index_sequence<K...>) TYPEGRAD_ALWAYS_INLINE {
        return (x >> ... >> stage{[&f](const auto& in, auto& scratch) TYPEGRAD_ALWAYS_INLINE -> decltype(auto) {
                                      return f(std::integral_constant<std::size_t, P::steps[K]>{}, in, scratch);
                                  },
                                  Scratch<P::steps[K]>{}});
    }(std::make_index_sequence<P::step_count>{});
}
/// g threaded through f(std::integral_constant<std::size_t, I>{}, g) for every layer I of Net, last to
/// first (the backward passes): each layer's result is the gradient the layer before it receives.
template <class Net, class X, class F>
TYPEGRAD_ALWAYS_INLINE constexpr auto thread_layers_back(const X& g, F&& f) {
    return [&]<std::size_t... K>(std::index_sequence<K...>) TYPEGRAD_ALWAYS_INLINE {
        return (g >> ... >> stage{[&f](const auto& in, auto&) TYPEGRAD_ALWAYS_INLINE {
                                      return f(std::integral_constant<std::size_t, Net::layer_count - 1 - K>{}, in);
                                  },
                                  no_scratch<0>{}});
    }(std::make_index_sequence<Net::layer_count>{});
}

}  // namespace typegrad::detail
