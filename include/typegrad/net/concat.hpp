// tg::concat<Branches...>: parallel branches joined by concatenation. Every branch (a layer, or a
// tg::sequential of layers) reads the block's input; the block's output is their outputs one after the
// other, and its input gradient the sum of theirs. Branch k's parameters are named "k.<its names>", as
// in a PyTorch module holding the branches in an nn.ModuleList.
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
#include <typegrad/net/block.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/net/shape_error.hpp>
#include <typegrad/simd/axpy.hpp>
#include <typegrad/simd/unroll.hpp>

namespace typegrad {

template <std::size_t K>
struct branch_index {};

/// Branch Index of a tg::concat block states an input size (Expects) other than the block's (Got).
template <class Block, class Index, class Expects, class Got>
struct concat_branch_mismatch {
    static_assert(detail::always_false<Block>,
                  "tg::concat: every branch reads the block's input, but this branch's first layer states another "
                  "size (concat_branch_mismatch<the block, branch_index<k>, expects<its input size>, got<the block's "
                  "input size>>)");
};

namespace detail {

/// Values, one per branch, in one flat tuple: the block's parameters, caches and batch states.
template <class... Ts>
struct branch_tuple : flat_tuple<std::index_sequence_for<Ts...>, Ts...> {
    friend constexpr bool operator==(const branch_tuple&, const branch_tuple&) noexcept = default;
};

template <std::size_t In, class... Ps>
struct concat_params : branch_tuple<Ps...> {
    static constexpr std::size_t count = (std::size_t{0} + ... + Ps::count);
    static constexpr std::size_t in_size = In;  // the block's input size

    /// Calls f(name, tensor of each of ps...) for every tensor of every branch, named "<branch>.<name>".
    template <class F, class... Qs>
    static constexpr void for_each_tensor(F&& f, Qs&... ps) {
        child_tensor_names<Ps...>::for_each_tensor(f, [](auto k, auto& p) -> auto& { return slot_value<k>(p); }, ps...);
    }
};

/// What one branch keeps between the batch passes: its own state, its output rows and their gradient,
/// and its input gradient.
template <class B, class T, std::size_t In>
struct branch_batch {
    batch_state_t<B, T, In> state;
    rows<T, out_size_v<B, In>> y, grad_y;
    rows<T, In> grad_x;
    explicit branch_batch(std::size_t capacity) : state(capacity), y(capacity), grad_y(capacity), grad_x(capacity) {}
};

template <class... Bs>
struct branch_batches {
    std::tuple<Bs...> branches;
    explicit branch_batches(std::size_t capacity) : branches(Bs(capacity)...) {}
};

}  // namespace detail

/// Branch K's parameters within a tg::concat block's.
template <std::size_t K, std::size_t In, class... Ps>
constexpr auto& get(detail::concat_params<In, Ps...>& p) noexcept {
    return detail::slot_value<K>(p);
}
template <std::size_t K, std::size_t In, class... Ps>
constexpr const auto& get(const detail::concat_params<In, Ps...>& p) noexcept {
    return detail::slot_value<K>(p);
}

/// y = (f₀(x), f₁(x), …): Branches, each a layer or a tg::sequential, all reading x.
template <class... Branches>
struct concat : detail::block_in_size<detail::first_layer_t<Branches...>> {
    static_assert(sizeof...(Branches) > 0, "tg::concat needs at least one branch");
    static constexpr std::string_view name = "concat";

private:
    template <std::size_t K>
    using written_branch = std::tuple_element_t<K, std::tuple<detail::as_layer_t<Branches>...>>;
    /// Branch K given the block's input size In.
    template <std::size_t K, std::size_t In>
    using branch = bound_layer_t<written_branch<K>, In>;
    template <class B, std::size_t In>
    using bound = bound_layer_t<detail::as_layer_t<B>, In>;
    static constexpr std::size_t count = sizeof...(Branches);

    template <std::size_t In>
    static constexpr std::array<std::size_t, count + 1> offsets =
        detail::starts<out_size_v<detail::as_layer_t<Branches>, In>...>;

    /// draw_offsets[k]: the draws (tg::draw_count) of the branches before branch k.
    static constexpr std::array<std::size_t, count + 1> draw_offsets =
        detail::starts<draw_count<detail::as_layer_t<Branches>>...>;

    template <std::size_t In, std::size_t... K>
    static constexpr bool check(std::index_sequence<K...>) {
        return (... && [] {
            if constexpr (states_in_size<written_branch<K>>)
                return detail::require<written_branch<K>::in_size == In,
                                       concat_branch_mismatch<concat, branch_index<K>,
                                                              expects<written_branch<K>::in_size>, got<In>>>;
            else return true;
        }());
    }

    template <class F>
    static constexpr void each_branch(F&& f) {
        simd::unroll<count>(f);
    }

public:
    template <std::size_t In>
    static constexpr std::size_t out_size_for = [] {
        static_cast<void>(check<In>(std::make_index_sequence<count>{}));
        return offsets<In>[count];
    }();

    template <scalar T, std::size_t In>
    using params_type = detail::concat_params<In, params_t<bound<Branches, In>, T, In>...>;
    template <scalar T, std::size_t In>
    using cache_type = detail::branch_tuple<cache_t<bound<Branches, In>, T, In>...>;
    template <scalar T, std::size_t In>
    using batch_state_type = detail::branch_batches<detail::branch_batch<bound<Branches, In>, T, In>...>;

    /// The branches' draws (dropout's masks), numbered on from the block's first, branch by branch.
    static constexpr std::size_t draws = draw_offsets[count];
    template <class C>
    static constexpr void seed(C& cache, std::size_t first_draw) noexcept {
        each_branch([&](auto k) {
            if constexpr (draw_offsets[k + 1] > draw_offsets[k])
                detail::seed_layer<written_branch<k>>(detail::slot_value<k>(cache), first_draw + draw_offsets[k]);
        });
    }

    /// Each branch initialises itself, from a generator seeded from r.
    template <class P>
    static void init(P& p, rng& r, init_scheme scheme) {
        each_branch([&](auto k) {
            rng own{r.next()};
            branch<k, P::in_size>::init(detail::slot_value<k>(p), own, scheme);
        });
    }

    template <class P, class C, class T, std::size_t In>
    static constexpr vec<T, out_size_for<In>> forward(const P& p, const vec<T, In>& x, C& cache, mode m) {
        vec<T, out_size_for<In>> y;
        each_branch([&](auto k) {
            const auto yk = branch<k, In>::forward(detail::slot_value<k>(p), x, detail::slot_value<k>(cache), m);
            std::copy(yk.begin(), yk.end(), y.begin() + offsets<In>[k]);
        });
        return y;
    }

    template <class P, class C, class T, std::size_t Out>
    static constexpr auto backward(const P& p, const C& cache, const vec<T, Out>& grad_out, P& grad) {
        constexpr std::size_t In = P::in_size;
        vec<T, In> grad_in{};
        each_branch([&](auto k) {
            vec<T, out_size_v<branch<k, In>, In>> gk;
            std::copy_n(grad_out.begin() + offsets<In>[k], gk.size(), gk.begin());
            const auto gx = branch<k, In>::backward(detail::slot_value<k>(p), detail::slot_value<k>(cache), gk,
                                                detail::slot_value<k>(grad));
            simd::axpy<In>(T{1}, gx.data(), grad_in.data());
        });
        return grad_in;
    }

    template <class P, class T, std::size_t In, std::size_t Out, class S>
    static void forward_batch(const P& p, std::size_t n, const rows<T, In>& x, rows<T, Out>& y, S& state,
                              const batch_info& info) {
        each_branch([&](auto k) {
            auto& b = std::get<k>(state.branches);
            branch<k, In>::forward_batch(detail::slot_value<k>(p), n, x, b.y, b.state, info.at_draw(draw_offsets[k]));
            constexpr std::size_t width = out_size_v<branch<k, In>, In>;
            for (std::size_t r = 0; r < n; ++r) std::copy_n(b.y.row(r), width, y.row(r) + offsets<In>[k]);
        });
    }

    /// With p itself as grad (tg::sgd_step_batch) when every branch allows it.
    static constexpr bool backward_batch_in_place =
        (detail::updates_in_place_or_has_no_params<detail::as_layer_t<Branches>>() && ...);

    template <class P, class T, std::size_t In, std::size_t Out, class S>
    static void backward_batch(const P& p, std::size_t n, const rows<T, In>& x, const rows<T, Out>&,
                               const rows<T, Out>& grad_y, rows<T, In>* grad_x, S& state, P& grad,
                               grad_mode how = grad_mode::add) {
        each_branch([&](auto k) {
            auto& b = std::get<k>(state.branches);
            constexpr std::size_t width = out_size_v<branch<k, In>, In>;
            for (std::size_t r = 0; r < n; ++r) std::copy_n(grad_y.row(r) + offsets<In>[k], width, b.grad_y.row(r));
            detail::backward_batch_as<branch<k, In>, T, In>(detail::slot_value<k>(p), n, x, b.y, b.grad_y,
                                                        grad_x ? &b.grad_x : nullptr, b.state,
                                                        detail::slot_value<k>(grad), how);
            if (!grad_x) return;
            if constexpr (k == 0) std::copy_n(b.grad_x.data(), n * In, grad_x->data());
            else detail::add_rows(n, b.grad_x, *grad_x);
        });
    }

    template <class P, class S>
    static void update_running_statistics(P& p, S& state) noexcept {
        each_branch([&](auto k) {
            using B = branch<k, P::in_size>;
            if constexpr (requires { B::update_running_statistics(detail::slot_value<k>(p), std::get<k>(state.branches).state); })
                B::update_running_statistics(detail::slot_value<k>(p), std::get<k>(state.branches).state);
        });
    }
};

}  // namespace typegrad
