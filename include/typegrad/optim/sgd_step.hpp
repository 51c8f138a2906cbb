// tg::sgd_step<Net>(p, x, target, loss, opt[, ws]): one sample's training step (forward, loss,
// backward and the SGD update p ← p - lr·∂L/∂p) in one pass. Going back through the layers, each
// one updates its parameters as soon as it has formed the gradient for the layer below (from its
// parameters before the update), so no gradient is stored and no second pass over the parameters
// is made. The result equals value_and_grad followed by opt.step(p, grad) up to rounding.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/forward.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/workspace.hpp>
#include <typegrad/optim/sgd.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {
namespace detail {

// p += alpha·∂L/∂p for layer I, returning ∂L/∂(its input) when Input. A layer without parameters
// just passes the gradient back; one without its own backward_update (see tg::dense) gets its
// gradient in a local and the update from it.
template <class Net, std::size_t I, bool Input, class T, std::size_t N>
constexpr auto update_layer(params<Net, T>& p, const workspace<Net, T>& ws, const vec<T, N>& grad_out, T alpha) {
    using L = typename Net::template layer_type<I>;
    using P = typename Net::template params_type<I, T>;
    if constexpr (std::is_same_v<P, no_params>) {
        no_params none;
        return L::backward(get<I>(p), get<I>(ws), grad_out, none);
    } else if constexpr (!Input && requires { L::backward_update_params(get<I>(p), get<I>(ws), grad_out, alpha); }) {
        L::backward_update_params(get<I>(p), get<I>(ws), grad_out, alpha);
    } else if constexpr (requires { L::backward_update(get<I>(p), get<I>(ws), grad_out, alpha); }) {
        return L::backward_update(get<I>(p), get<I>(ws), grad_out, alpha);
    } else {
        P grad{};
        const auto grad_in = L::backward(get<I>(p), get<I>(ws), grad_out, grad);
        P::for_each_tensor(
            [alpha](std::string_view, auto& w, const auto& g) {
                simd::axpy<std::remove_cvref_t<decltype(w)>::size()>(alpha, g.data(), w.data());
            },
            get<I>(p), grad);
        return grad_in;
    }
}

template <class Net, std::size_t I, class T, std::size_t N>
constexpr void update_from(params<Net, T>& p, const workspace<Net, T>& ws, const vec<T, N>& grad_out, T alpha) {
    if constexpr (I > 0) update_from<Net, I - 1>(p, ws, update_layer<Net, I, true>(p, ws, grad_out, alpha), alpha);
    else update_layer<Net, 0, false>(p, ws, grad_out, alpha);
}

}  // namespace detail

/// Trains p on one sample with plain SGD: forward, loss, backward and p ← p - opt.lr·∂L/∂p in one
/// pass, using ws as scratch. Returns the sample's loss (before the update).
template <network Net, class T, class U, std::size_t N, class Loss>
    requires loss_for<Loss, T, Net::out_size>
constexpr T sgd_step(params<Net, T>& p, const vec<U, N>& x, const loss_target_t<Loss, T, Net::out_size>& target,
                     const Loss& loss, const sgd& opt, workspace<Net, T>& ws) {
    if constexpr (detail::check_input<Net, T, U, N>()) {
        const vec<T, Net::out_size> out = forward<Net>(p, x, ws, mode::training);
        vec<T, Net::out_size> grad_out;
        const T value = loss.value_and_grad(out, target, grad_out);
        detail::update_from<Net, Net::layer_count - 1>(p, ws, grad_out, static_cast<T>(-opt.lr));
        return value;
    } else {
        return T{};
    }
}

/// The same with a workspace of its own.
template <network Net, class T, class U, std::size_t N, class Loss>
    requires loss_for<Loss, T, Net::out_size>
constexpr T sgd_step(params<Net, T>& p, const vec<U, N>& x, const loss_target_t<Loss, T, Net::out_size>& target,
                     const Loss& loss, const sgd& opt) {
    workspace<Net, T> ws;
    return sgd_step<Net>(p, x, target, loss, opt, ws);
}

}  // namespace typegrad
