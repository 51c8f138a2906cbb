// tg::params<Net, T>: the parameters of every layer of a network, in one aligned aggregate (on the
// heap above params_stack_limit), and tg::get<I>(p), which counts every layer as PyTorch's
// nn.Sequential does (an activation is a layer with tg::no_params). A gradient has the same type.
// tg::for_each_tensor visits every parameter tensor of one or several params values in lockstep, with
// its layer index and PyTorch name.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/for_each.hpp>
#include <boost/hana/range.hpp>

#include <typegrad/core/scalar.hpp>
#include <typegrad/net/sequential.hpp>
#include <typegrad/net/shape_error.hpp>

namespace typegrad {
namespace detail {

// A flat tuple: one base per element, so access is constant depth whatever the layer count.
template <std::size_t I, class T>
struct slot {
    [[no_unique_address]] T value;
    friend constexpr bool operator==(const slot&, const slot&) = default;
};
template <class Seq, class... Ts>
struct flat_tuple;
template <std::size_t... I, class... Ts>
struct flat_tuple<std::index_sequence<I...>, Ts...> : slot<I, Ts>... {
    friend constexpr bool operator==(const flat_tuple&, const flat_tuple&) noexcept = default;
};

template <std::size_t I, class T>
constexpr T& slot_value(slot<I, T>& s) noexcept {
    return s.value;
}
template <std::size_t I, class T>
constexpr const T& slot_value(const slot<I, T>& s) noexcept {
    return s.value;
}

template <class Net, class T, class Seq = std::make_index_sequence<Net::layer_count>>
struct params_tuple;
template <class Net, class T, std::size_t... I>
struct params_tuple<Net, T, std::index_sequence<I...>> {
    using type = flat_tuple<std::index_sequence<I...>, typename Net::template params_type<I, T>...>;
};

template <class Net, class T, class Seq = std::make_index_sequence<Net::layer_count>>
struct cache_tuple;
template <class Net, class T, std::size_t... I>
struct cache_tuple<Net, T, std::index_sequence<I...>> {
    using type = flat_tuple<std::index_sequence<I...>, typename Net::template cache_type<I, T>...>;
};

// A Tuple in one allocation of its own, made zeroed when the holder is made: what a params value
// holds when its tensors are too large for a thread's stack. Copies are deep, and assigning to a
// holder that has its allocation copies into it, allocating nothing; a moved-from holder is empty
// until something is assigned to it.
template <class Tuple>
class heap_tuple {
public:
    heap_tuple() : tuple_(std::make_unique<Tuple>()) {}
    heap_tuple(const heap_tuple& other) : tuple_(std::make_unique<Tuple>(*other.tuple_)) {}
    heap_tuple(heap_tuple&&) noexcept = default;
    heap_tuple& operator=(const heap_tuple& other) {
        if (this == &other) return *this;
        if (tuple_) *tuple_ = *other.tuple_;
        else tuple_ = std::make_unique<Tuple>(*other.tuple_);
        return *this;
    }
    heap_tuple& operator=(heap_tuple&&) noexcept = default;
    ~heap_tuple() = default;

    Tuple& tuple() noexcept { return *tuple_; }
    const Tuple& tuple() const noexcept { return *tuple_; }
    friend bool operator==(const heap_tuple& a, const heap_tuple& b) noexcept { return a.tuple() == b.tuple(); }

private:
    std::unique_ptr<Tuple> tuple_;
};

}  // namespace detail

/// The largest params value, in bytes, that keeps its tensors in itself (on the stack, for a local
/// variable); a larger one keeps them in one allocation of its own, made when it is made, so that a
/// large network fits a thread's stack (often 512 KiB or less). Either way the type has the same API.
inline constexpr std::size_t params_stack_limit = std::size_t{64} << 10;

/// Every layer's parameters; zero-initialised, so `params<Net, T> grad{}` is a zero gradient. Up to
/// params_stack_limit bytes they are members (a trivially copyable aggregate, usable in constant
/// expressions); above it they are on the heap, allocated once when the value is made, copied deeply,
/// never allocated again by get, forward, backward or an optimizer's step. A moved-from params that
/// keeps its tensors on the heap is empty until it is assigned to.
template <network Net, scalar T = float>
struct params : std::conditional_t<(sizeof(typename detail::params_tuple<Net, T>::type) <= params_stack_limit),
                                   typename detail::params_tuple<Net, T>::type,
                                   detail::heap_tuple<typename detail::params_tuple<Net, T>::type>> {
    using net_type = Net;
    using value_type = T;
    using tuple_type = typename detail::params_tuple<Net, T>::type;
    static constexpr bool on_heap = sizeof(tuple_type) > params_stack_limit;

    /// The layers' parameters, wherever they are kept.
    constexpr tuple_type& tensors() noexcept {
        if constexpr (on_heap) return this->tuple();
        else return *this;
    }
    constexpr const tuple_type& tensors() const noexcept {
        if constexpr (on_heap) return this->tuple();
        else return *this;
    }
};

template <class P>
inline constexpr bool is_params = false;
template <class Net, class T>
inline constexpr bool is_params<params<Net, T>> = true;

/// Layer I's parameters (dense: .W and .b; activations: tg::no_params).
template <std::size_t I, class Net, class T>
constexpr auto& get(params<Net, T>& p) noexcept {
    if constexpr (I >= Net::layer_count) {
        static_cast<void>(detail::require<false, layer_index_out_of_range<layer_index<I>, layer_count<Net::layer_count>>>);
        return p;
    } else {
        return detail::slot_value<I>(p.tensors());
    }
}
template <std::size_t I, class Net, class T>
constexpr const auto& get(const params<Net, T>& p) noexcept {
    if constexpr (I >= Net::layer_count) {
        static_cast<void>(detail::require<false, layer_index_out_of_range<layer_index<I>, layer_count<Net::layer_count>>>);
        return p;
    } else {
        return detail::slot_value<I>(p.tensors());
    }
}

/// Calls f(layer, name, t, ts...) for every parameter tensor of p in layer order, where layer is a
/// std::integral_constant<std::size_t, I> (usable as a std::size_t), name is "weight" or "bias",
/// t the tensor of p (a tg::panel_mat, tg::mat or tg::vec) and ts the tensors at the same place in more (values
/// of the same params type, e.g. a gradient and optimizer state). The safetensors name is
/// "<layer>.<name>"; tensors expose data() and a static size(). No allocation.
template <class F, class P, class... More>
    requires is_params<std::remove_const_t<P>> && (std::is_same_v<std::remove_const_t<More>, std::remove_const_t<P>> && ...)
constexpr void for_each_tensor(F&& f, P& p, More&... more) {
    using Net = typename std::remove_const_t<P>::net_type;
    using T = typename std::remove_const_t<P>::value_type;
    auto visit_layer = [&]<std::size_t I>(std::integral_constant<std::size_t, I> layer) {
        Net::template params_type<I, T>::for_each_tensor(
            [&](std::string_view name, auto&... tensors) { f(layer, name, tensors...); }, get<I>(p), get<I>(more)...);
    };
    hana::for_each(hana::make_range(hana::size_c<0>, hana::size_c<Net::layer_count>), visit_layer);
}

}  // namespace typegrad
