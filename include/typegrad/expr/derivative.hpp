// d(e, v): the derivative of expression e with respect to variable v, as a new expression type
// built and simplified at compile time; apply d again for higher derivatives. gradient(e, v...)
// evaluates several partial derivatives at once.
#pragma once

#include <array>
#include <cstddef>

#include <typegrad/expr/functions.hpp>

namespace typegrad::expr {

template <expression E, std::size_t I>
constexpr expression auto d(E e, variable<I>) {
    return e.template diff<I>();
}

/// A callable returning {∂e/∂v...} as a std::array, evaluated at the values bound to var<0>, var<1>, ...
template <expression E, std::size_t... I>
constexpr auto gradient(E e, variable<I>... v) {
    return [... partial = d(e, v)]<evaluable T, std::same_as<T>... Ts>(T v0, Ts... vs) {
        return std::array<T, sizeof...(I)>{partial(v0, vs...)...};
    };
}

}  // namespace typegrad::expr

namespace typegrad {
using expr::d;
using expr::gradient;
}  // namespace typegrad
