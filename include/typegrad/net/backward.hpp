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
#include <typegrad/net/workspace.hpp>

namespace typegrad {
namespace detail {

template <class Net, std::size_t I, class T, std::size_t N>
constexpr vec<T, Net::in_size> backward_from(const params<Net, T>& p, const workspace<Net, T>& ws,
                                             const vec<T, N>& grad_out, params<Net, T>& grad) {
    using L = typename Net::template layer_type<I>;
    auto grad_in = L::backward(get<I>(p), get<I>(ws), grad_out, get<I>(grad));
    if constexpr (I == 0) return grad_in;
    else return backward_from<Net, I - 1>(p, ws, grad_in, grad);
}

// The same, without the network's input gradient: a layer 0 that offers backward_params (dense)
// skips its Wᵀ·g, the largest product of the backward pass when the input is wide.
template <class Net, std::size_t I, class T, std::size_t N>
constexpr void backward_params_from(const params<Net, T>& p, const workspace<Net, T>& ws,
                                    const vec<T, N>& grad_out, params<Net, T>& grad) {
    using L = typename Net::template layer_type<I>;
    if constexpr (I > 0) {
        backward_params_from<Net, I - 1>(p, ws, L::backward(get<I>(p), get<I>(ws), grad_out, get<I>(grad)), grad);
    } else if constexpr (skips_input_gradient<L, T, Net::sizes[I]>) {
        L::backward_params(get<I>(p), get<I>(ws), grad_out, get<I>(grad));
    } else {
        L::backward(get<I>(p), get<I>(ws), grad_out, get<I>(grad));
    }
}

}  // namespace detail

/// Given ws from a training-mode forward and grad_out = ∂L/∂(output), ADDS ∂L/∂params into grad
/// and returns ∂L/∂(input).
template <network Net, class T>
constexpr vec<T, Net::in_size> backward(const params<Net, T>& p, const workspace<Net, T>& ws,
                                        const vec<T, Net::out_size>& grad_out, params<Net, T>& grad) {
    return detail::backward_from<Net, Net::layer_count - 1>(p, ws, grad_out, grad);
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
        detail::backward_params_from<Net, Net::layer_count - 1>(p, ws, grad_out, grad);
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
