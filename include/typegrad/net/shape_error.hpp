// The types that carry the numbers of a shape error. A static_assert message must be a string
// literal, so the sizes go into a type whose name the compiler prints on the first line of the
// error, e.g. "In instantiation of 'struct typegrad::shape_mismatch<typegrad::layer_index<2>,
// typegrad::expects<8>, typegrad::got<16> >'", followed by a sentence saying what is wrong.
#pragma once

#include <cstddef>

namespace typegrad {

template <std::size_t I>
struct layer_index {};
template <std::size_t N>
struct expects {};
template <std::size_t N>
struct got {};
template <std::size_t N>
struct layer_count {};

namespace detail {
template <class...>
inline constexpr bool always_false = false;
}

/// Layer Index states an input size (Expects) that differs from the output size of the layer before it (Got).
template <class Index, class Expects, class Got>
struct shape_mismatch {
    static_assert(detail::always_false<Index>,
                  "tg::sequential: layer input size does not match the previous layer's output size "
                  "(shape_mismatch<layer_index<layer>, expects<its input size>, got<previous output size>>)");
};

/// forward / value_and_grad received an input vector whose size (Got) is not the network's in_size (Expects).
template <class Expects, class Got>
struct input_size_mismatch {
    static_assert(detail::always_false<Expects>,
                  "tg::forward / tg::value_and_grad: the input vector's size is not the network's in_size "
                  "(input_size_mismatch<expects<in_size>, got<vector size>>)");
};

/// tg::get<I> was asked for a layer past the end of the network.
template <class Index, class Count>
struct layer_index_out_of_range {
    static_assert(detail::always_false<Index>,
                  "tg::get<I>: the network has no layer I; layers count from 0, as in PyTorch's nn.Sequential "
                  "(layer_index_out_of_range<layer_index<I>, layer_count<number of layers>>)");
};

/// A type in the layer list of tg::sequential is not a tg::layer.
template <class Index, class Layer>
struct not_a_layer {
    static_assert(detail::always_false<Index>,
                  "tg::sequential: this element is not a tg::layer (see tg::layer in typegrad/layers/layer.hpp)");
};

/// The first layer has no input size of its own (an activation), so the network's in_size is unknown.
template <class Layer>
struct first_layer_without_in_size {
    static_assert(detail::always_false<Layer>,
                  "tg::sequential: the first layer must state its input size (e.g. tg::dense<In, Out>), or the list start "
                  "with tg::input<In>");
};

namespace detail {
/// true if Ok; otherwise instantiates Error (whose static_assert fires and whose name, carrying the
/// numbers, is printed) right where require is named.
template <bool Ok, class Error>
inline constexpr bool require = true;
template <class Error>
inline constexpr bool require<false, Error> = sizeof(Error) == 0;
}  // namespace detail

}  // namespace typegrad
