// The base of every expression node and the `expression` concept. A node is evaluated by binding
// values to var<0>, var<1>, ... in order: e(v0, v1, ...), on float, double or an xsimd batch.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <type_traits>

namespace typegrad::expr {

/// @brief A type an expression evaluates on: float, double, or a SIMD batch of them.
template <class T>
concept evaluable = std::floating_point<T> || (std::is_class_v<T> && requires {
    typename T::value_type;
    requires std::floating_point<typename T::value_type>;
});

/// Every node derives from node<Self>, which gives it the call operator. Nodes are structural types
/// (public members held by value, no references), so an expression can be a template argument.
template <class Self>
struct node {
    template <evaluable T, std::same_as<T>... Ts>
    constexpr T operator()(T v0, Ts... vs) const {
        static_assert(1 + sizeof...(Ts) >= Self::arity,
                      "an expression needs one value for each of var<0> ... var<N-1> it uses");
        return static_cast<const Self&>(*this).eval(std::array<T, 1 + sizeof...(Ts)>{v0, vs...});
    }
};

/// @brief A scalar expression: a node type (variable, constant or operation), cv-qualified or not.
template <class E>
concept expression = std::derived_from<std::remove_cvref_t<E>, node<std::remove_cvref_t<E>>>;

/// An arithmetic value that mixes with expressions (x_ * 3, 2.0 + x_); it becomes a run-time constant.
template <class T>
concept number = std::is_arithmetic_v<T>;

/// Helpers shared by the nodes: constants and selection written once for scalars and batches.
namespace detail {

template <evaluable T>
constexpr T lift(double v) {
    if constexpr (std::floating_point<T>) return static_cast<T>(v);
    else return T(static_cast<typename T::value_type>(v));
}

/// mask ? a : b, lane by lane for batches (xsimd::select, found by argument-dependent lookup).
template <evaluable T, class Mask>
constexpr T choose(Mask mask, T a, T b) {
    if constexpr (std::floating_point<T>) return mask ? a : b;
    else return select(mask, a, b);
}

}  // namespace detail
}  // namespace typegrad::expr

namespace typegrad {
using expr::expression;
}
