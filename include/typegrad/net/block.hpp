// Networks inside networks. A block is one layer of its network that runs a chain of layers of its
// own: tg::residual<Layers...> (y = x + f(x)), or a tg::sequential written in another's layer list
// (PyTorch's nested nn.Sequential). Its parameters are the inner network's tg::params, named
// "<inner layer>.<name>" inside the block, so that the block at index 1 holding a dense at its index 0
// saves that dense's weight as "1.0.weight". Its passes are the inner network's own, with the plan's
// fusions: forward, backward, the batch passes (threads split the batch by samples), the in-place
// updates of tg::sgd_step and tg::sgd_step_batch, init and batch_norm's running statistics.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/net/backward.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/forward.hpp>
#include <typegrad/net/init.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/net/shape_error.hpp>
#include <typegrad/net/workspace.hpp>
#include <typegrad/simd/axpy.hpp>

namespace typegrad {

/// A tg::residual block's layers end at a size (Got) other than the block's input size (Expects), so
/// x + f(x) cannot be formed.
template <class Block, class Expects, class Got>
struct residual_shape_mismatch {
    static_assert(detail::always_false<Block>,
                  "tg::residual: the block's layers must end at its input size, for y = x + f(x) "
                  "(residual_shape_mismatch<the block, expects<its input size>, got<its layers' output size>>)");
};

namespace detail {

/// A tensor's name inside a block, "<inner layer>.<inner name>", kept in the block's name table.
struct tensor_name {
    std::array<char, 96> text{};
    std::size_t size = 0;

    constexpr std::string_view view() const noexcept { return {text.data(), size}; }
    constexpr void append(std::string_view s) noexcept {
        for (char c : s) text[size++] = c;
    }
    constexpr void append(std::size_t n) noexcept {
        char digits[20]{};
        std::size_t k = 0;
        do digits[k++] = static_cast<char>('0' + n % 10);
        while ((n /= 10) != 0);
        while (k > 0) text[size++] = digits[--k];
    }
};

/// The names of the tensors of a block's children (its inner layers, or tg::concat's branches), whose
/// parameter types are Children in order: "<child index>.<the child's own name>". Called with no values,
/// a child's for_each_tensor just names its tensors, so the table is made at compile time.
template <class... Children>
struct child_tensor_names {
    template <class F>
    static constexpr void each_name(F&& f) {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            (..., Children::for_each_tensor([&](std::string_view name) { f(K, name); }));
        }(std::index_sequence_for<Children...>{});
    }
    static constexpr std::size_t count = [] {
        std::size_t k = 0;
        each_name([&](std::size_t, std::string_view) { ++k; });
        return k;
    }();
    static constexpr std::array<tensor_name, count> names = [] {
        std::array<tensor_name, count> table{};
        std::size_t k = 0;
        each_name([&](std::size_t child, std::string_view name) {
            table[k].append(child);
            table[k].append(".");
            table[k++].append(name);
        });
        return table;
    }();

    /// Calls f(name, tensor of each of ps...) for every tensor of every child, child(k, p) being the
    /// parameters of child k within p.
    template <class F, class Child, class... Ps>
    static constexpr void for_each_tensor(F& f, Child child, Ps&... ps) {
        std::size_t k = 0;
        const auto visit = [&](auto index) {
            std::tuple_element_t<index, std::tuple<Children...>>::for_each_tensor(
                [&](std::string_view, auto&... tensors) { f(names[k++].view(), tensors...); }, child(index, ps)...);
        };
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            (..., visit(std::integral_constant<std::size_t, K>{}));
        }(std::index_sequence_for<Children...>{});
    }
};

template <class Inner, class T, class Seq = std::make_index_sequence<Inner::layer_count>>
struct inner_tensor_names;
template <class Inner, class T, std::size_t... I>
struct inner_tensor_names<Inner, T, std::index_sequence<I...>> {
    using type = child_tensor_names<typename Inner::template params_type<I, T>...>;
};

/// The parameters of a block whose layers form the network Inner: Inner's tg::params, with the static
/// members the layer contract asks of a parameter type.
template <class Inner, class T>
struct block_params : params<Inner, T> {
    static constexpr std::size_t count = Inner::param_count;

    /// Calls f(name, tensor of each of ps...) for every tensor of the inner layers, in order, named
    /// "<inner layer>.<name>".
    template <class F, class... Ps>
    static constexpr void for_each_tensor(F&& f, Ps&... ps) {
        inner_tensor_names<Inner, T>::type::for_each_tensor(
            f, [](auto layer, auto& p) -> auto& { return get<layer>(p); }, ps...);
    }
};

/// A block's batch state: the inner network's rows, its input gradient included.
template <class Inner, class T>
struct block_batch_state {
    batch_workspace<Inner, T> inner;
    explicit block_batch_state(std::size_t capacity) : inner(capacity, true) {}
};

/// The first layer's input size, stated by the block when its first layer states it.
template <class First>
struct block_in_size {};
template <states_in_size First>
struct block_in_size<First> {
    static constexpr std::size_t in_size = First::in_size;
};

/// tg::sgd_step_batch may hand W (a layer as written) its own parameters as the gradient: it allows
/// it, or has none.
template <class W, class L = bound_layer_t<W, probe_in_size<W>>>
constexpr bool updates_in_place_or_has_no_params() {
    if constexpr (batch_updates_in_place<L>) return true;
    else return std::is_same_v<typename L::template params_type<float, probe_in_size<L>>, no_params>;
}

template <std::size_t N, class T>
void add_rows(std::size_t n, const rows<T, N>& x, rows<T, N>& y) noexcept {
    for (std::size_t r = 0; r < n; ++r) simd::axpy<N>(T{1}, x.row(r), y.row(r));
}

/// The layer that runs Layers as a network of their own, from the input size it is given; with
/// Residual, its output is its input plus theirs.
template <class Self, bool Residual, class... Layers>
struct block : block_in_size<first_layer_t<Layers...>> {
    template <std::size_t In>
    using inner = chain<In, Layers...>;

    template <std::size_t In>
    static constexpr std::size_t out_size_for = [] {
        if constexpr (Residual)
            static_cast<void>(require<inner<In>::out_size == In,
                                      residual_shape_mismatch<Self, expects<In>, got<inner<In>::out_size>>>);
        return inner<In>::out_size;
    }();

    template <scalar T, std::size_t In>
    using params_type = block_params<inner<In>, T>;
    template <scalar T, std::size_t In>
    using cache_type = workspace<inner<In>, T>;
    template <scalar T, std::size_t In>
    using batch_state_type = block_batch_state<inner<In>, T>;

    /// The draws (dropout's masks) of the inner layers, numbered on from the block's first.
    static constexpr std::size_t draws = (std::size_t{0} + ... + draw_count<as_layer_t<Layers>>);
    template <class Inner, class T>
    static constexpr void seed(workspace<Inner, T>& cache, std::size_t first_draw) noexcept {
        seed_draws<Inner>(cache, first_draw);
    }

    /// Each inner layer gets its own initialisation (He before a rectifier, else Glorot), from a seed drawn from r.
    template <class Inner, class T>
    static void init(block_params<Inner, T>& p, rng& r, init_scheme) {
        typegrad::init(static_cast<params<Inner, T>&>(p), r.next());
    }

    template <class Inner, class T, std::size_t In>
    static constexpr vec<T, Inner::out_size> forward(const block_params<Inner, T>& p, const vec<T, In>& x,
                                                     workspace<Inner, T>& cache, mode m) {
        auto y = typegrad::forward<Inner>(p, x, cache, m);
        if constexpr (Residual) simd::axpy<In>(T{1}, x.data(), y.data());
        return y;
    }

    template <class Inner, class T, std::size_t Out>
    static constexpr vec<T, Inner::in_size> backward(const block_params<Inner, T>& p, const workspace<Inner, T>& cache,
                                                     const vec<T, Out>& grad_out, block_params<Inner, T>& grad) {
        auto grad_in = typegrad::backward<Inner>(p, cache, grad_out, grad);
        if constexpr (Residual) simd::axpy<Out>(T{1}, grad_out.data(), grad_in.data());
        return grad_in;
    }

    template <class Inner, class T, std::size_t In, std::size_t Out>
    static void forward_batch(const block_params<Inner, T>& p, std::size_t n, const rows<T, In>& x, rows<T, Out>& y,
                              block_batch_state<Inner, T>& state, const batch_info& info) {
        auto& ws = state.inner;
        std::copy_n(x.data(), n * In, ws.template values<0>().data());
        forward_batch_steps<Inner>(p, ws, n, info);
        std::copy_n(ws.template values<Inner::layer_count>().data(), n * Out, y.data());
        if constexpr (Residual) add_rows(n, x, y);
    }

    /// With p itself as grad (tg::sgd_step_batch) when every inner layer allows it.
    static constexpr bool backward_batch_in_place = (updates_in_place_or_has_no_params<as_layer_t<Layers>>() && ...);

    template <class Inner, class T, std::size_t In, std::size_t Out>
    static void backward_batch(const block_params<Inner, T>& p, std::size_t n, const rows<T, In>&, const rows<T, Out>&,
                               const rows<T, Out>& grad_y, rows<T, In>* grad_x, block_batch_state<Inner, T>& state,
                               block_params<Inner, T>& grad, grad_mode how = grad_mode::add) {
        auto& ws = state.inner;
        std::copy_n(grad_y.data(), n * Out, ws.template gradients<Inner::layer_count>().data());
        walk_layers<Inner, true>([&](auto layer) { backward_batch_layer<Inner, layer>(p, ws, n, get<layer>(grad), how); });
        if (!grad_x) return;
        std::copy_n(ws.template gradients<0>().data(), n * In, grad_x->data());
        if constexpr (Residual) add_rows(n, grad_y, *grad_x);
    }

    template <class Inner, class T>
    static void update_running_statistics(block_params<Inner, T>& p, block_batch_state<Inner, T>& state) noexcept {
        typegrad::update_running_statistics<Inner>(p, state.inner);
    }
};

/// A tg::sequential written in another network's layer list runs as a block.
template <class... Layers>
struct nested_sequential : block<nested_sequential<Layers...>, false, Layers...> {
    static constexpr std::string_view name = "sequential";
};

template <class... Layers>
struct as_layer<sequential<Layers...>> {
    using type = nested_sequential<Layers...>;
};

}  // namespace detail

/// y = x + f(x), f the chain of Layers from the block's input size, which must be f's output size (a
/// compile error naming the block and both sizes otherwise). Its parameters are named
/// "<inner layer>.<name>" under the block's index, as a PyTorch module holding an nn.Sequential.
template <class... Layers>
struct residual : detail::block<residual<Layers...>, true, Layers...> {
    static constexpr std::string_view name = "residual";
};

}  // namespace typegrad
