// The optimizer concept: anything that updates a network's parameters from a gradient of the same
// type. Optimizers visit the tensors with tg::for_each_tensor (one SIMD pass each, no allocation);
// stateful ones (momentum, adam) keep their state as params values of the same type.
#pragma once

#include <typegrad/net/params.hpp>

namespace typegrad {

/// @brief O can update params P in place from a gradient P: o.step(p, grad).
template <class O, class P>
concept optimizer = is_params<P> && requires(O& o, P& p, const P& grad) { o.step(p, grad); };

}  // namespace typegrad
