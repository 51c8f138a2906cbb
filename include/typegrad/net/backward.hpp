// tg::backward and tg::value_and_grad: the reverse fold over the layers. Layer l receives
// g = ∂L/∂(its output), adds its parameter gradient and returns ∂L/∂(its input), which is the next
// g. For z = W·x + b followed by y = σ(z) this is exactly the seed's chain rule:
//   ∂L/∂z⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ ∂L/∂z⁽ˡ⁺¹⁾) ⊙ σ'(z⁽ˡ⁾),  ∂L/∂W⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾ x⁽ˡ⁾ᵀ,  ∂L/∂b⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾
// (the activation layer multiplies by σ', the dense layer forms the outer product and Wᵀ·g).
#pragma once

#include <cstddef>

#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/forward.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>
#include <typegrad/net/workspace.hpp>

namespace typegrad {
namespace detail {

// Each layer's backward, last to first, threading ∂L/∂(output) back through the layers.
template <class Net, class T>
TYPEGRAD_ALWAYS_INLINE constexpr vec<T, Net::in_size> backward_layers(const params<Net, T>& p,
                                                                      const workspace<Net, T>& ws,
                                                                      const vec<T, Net::out_size>& grad_out,
                                                                      params<Net, T>& grad) {
    return thread_layers_back<Net>(grad_out, [&]<std::size_t I>(std::integral_constant<std::size_t, I>,
                                                                const auto& g) TYPEGRAD_ALWAYS_INLINE {
        return Net::template layer_type<I>::backward(get<I>(p), get<I>(ws), g, get<I>(grad));
    });
}

// The same, without the network's input gradient: a layer 0 that offers backward_params (dense)
// skips its Wᵀ·g, the largest product of the backward pass when the input is wide.
template <class Net, class T>
TYPEGRAD_ALWAYS_INLINE constexpr void backward_params_layers(const params<Net, T>& p, const workspace<Net, T>& ws,
                                                             const vec<T, Net::out_size>& grad_out,
                                                             params<Net, T>& grad) {
    thread_layers_back<Net>(grad_out, [&]<std::size_t I>(std::integral_constant<std::size_t, I>,
                                                         const auto& g) TYPEGRAD_ALWAYS_INLINE {
        using L = typename Net::template layer_type<I>;
        if constexpr (!plan<Net, T>::template needs_input_grad<I> && skips_input_gradient<L, T, Net::sizes[I]>)
            L::backward_params(get<I>(p), get<I>(ws), g, get<I>(grad));
        else return L::backward(get<I>(p), get<I>(ws), g, get<I>(grad));
    });
}

}  // namespace detail

/// Given ws from a training-mode forward and grad_out = ∂L/∂(output), ADDS ∂L/∂params into grad
/// and returns ∂L/∂(input).
template <network Net, class T>
constexpr vec<T, Net::in_size> backward(const params<Net, T>& p, const workspace<Net, T>& ws,
                                        const vec<T, Net::out_size>& grad_out, params<Net, T>& grad) {
    return detail::backward_layers<Net>(p, ws, grad_out, grad);
}

/// One sample's loss; ADDS its gradient into grad (so a mini-batch accumulates), using ws as scratch.
template <network Net, class T, class U, std::size_t N, class Loss>
    requires loss_for<Loss, T, Net::out_size>
constexpr T value_and_grad(const params<Net, T>& p, const vec<U, N>& x,
                           const loss_target_t<Loss, T, Net::out_size>& target, const Loss& loss,
                           params<Net, T>& grad, workspace<Net, T>& ws) {
    if constexpr (detail::check_input<Net, T, U, N>()) {
        const vec<T, Net::out_size> out = forward<Net>(p, x, ws, mode::training);
        vec<T, Net::out_size> grad_out;
        const T value = loss.value_and_grad(out, target, grad_out);
        detail::backward_params_layers<Net>(p, ws, grad_out, grad);
        return value;
    } else {
        return T{};
    }
}

template <class Net, class T>
struct loss_and_grad {
    T value;
    params<Net, T> grad;
};

/// One sample's loss and its params-shaped gradient: `auto [loss, grad] = value_and_grad<Net>(...)`.
template <network Net, class T, class U, std::size_t N, class Loss>
    requires loss_for<Loss, T, Net::out_size>
constexpr loss_and_grad<Net, T> value_and_grad(const params<Net, T>& p, const vec<U, N>& x,
                                               const loss_target_t<Loss, T, Net::out_size>& target,
                                               const Loss& loss) {
    loss_and_grad<Net, T> result{};
    workspace<Net, T> ws;
    result.value = value_and_grad<Net>(p, x, target, loss, result.grad, ws);
    return result;
}

}  // namespace typegrad
