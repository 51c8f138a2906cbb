// tg::sgd_step<Net>(p, x, target, loss, opt[, ws]): one sample's training step (forward, loss,
// backward and the SGD update p ← p - lr·∂L/∂p) in one pass. Going back through the layers, each
// one updates its parameters as soon as it has formed the gradient for the layer below (from its
// parameters before the update), so no gradient is stored and no second pass over the parameters
// is made. The result equals value_and_grad followed by opt.step(p, grad) up to rounding.
//
// tg::sgd_step_batch<Net>(p, ws, inputs, targets, loss, opt): the same for a mini-batch. The loss
// gradient of every output row is scaled by -lr / (batch size, or the batch's summed class weights),
// so what each layer's batch backward pass adds into its "gradient" is already the update, and it
// adds it into the parameters themselves: no gradient tensor at all (for 784→256→128→10, 0.9 MB less
// to write and read back).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typegrad/core/vec.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/batch.hpp>
#include <typegrad/net/forward.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>
#include <typegrad/net/workspace.hpp>
#include <typegrad/optim/sgd.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {
namespace detail {

// p += alpha·∂L/∂p for layer I, returning ∂L/∂(its input) when Input. A layer without parameters
// just passes the gradient back; one without its own backward_update (see tg::dense) gets its
// gradient in a local and the update from it. Inlined, as the layers' backward_update are.
template <class Net, std::size_t I, bool Input, class T, std::size_t N>
TYPEGRAD_ALWAYS_INLINE constexpr auto update_layer(params<Net, T>& p, const workspace<Net, T>& ws,
                                                   const vec<T, N>& grad_out, T alpha) {
    using L = typename Net::template layer_type<I>;
    using P = typename Net::template params_type<I, T>;
    if constexpr (std::is_same_v<P, no_params>) {
        no_params none;
        return L::backward(get<I>(p), get<I>(ws), grad_out, none);
    } else if constexpr (!Input && updates_in_place<L, T, Net::sizes[I]>) {
        L::backward_update_params(get<I>(p), get<I>(ws), grad_out, alpha);
    } else if constexpr (updates_in_place<L, T, Net::sizes[I]>) {
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

// Each layer's update, last to first, threading ∂L/∂(output) back; layer 0 forms no input gradient.
template <class Net, class T>
TYPEGRAD_ALWAYS_INLINE constexpr void update_layers(params<Net, T>& p, const workspace<Net, T>& ws,
                                                    const vec<T, Net::out_size>& grad_out, T alpha) {
    thread_layers_back<Net>(grad_out, [&]<std::size_t I>(std::integral_constant<std::size_t, I>,
                                                         const auto& g) TYPEGRAD_ALWAYS_INLINE {
        return update_layer<Net, I, plan<Net, T>::template needs_input_grad<I>>(p, ws, g, alpha);
    });
}

}  // namespace detail

/// Layer Index has parameters but its backward_batch does not declare that it may be handed its own
/// parameters as the gradient (backward_batch_in_place), which tg::sgd_step_batch needs.
template <class Index, class Layer>
struct layer_not_updatable_in_place {
    static_assert(detail::always_false<Index>,
                  "tg::sgd_step_batch: this layer has parameters but no `static constexpr bool "
                  "backward_batch_in_place = true` (see typegrad/layers/layer.hpp); train it with "
                  "tg::value_and_grad_batch and opt.step instead");
};

namespace detail {

template <class Net, class T, class Seq = std::make_index_sequence<Net::layer_count>>
struct in_place_check;
template <class Net, class T, std::size_t... I>
struct in_place_check<Net, T, std::index_sequence<I...>> {
    static constexpr bool value =
        (require<std::is_same_v<typename Net::template params_type<I, T>, no_params> ||
                     batch_updates_in_place<typename Net::template layer_type<I>>,
                 layer_not_updatable_in_place<layer_index<I>, typename Net::template layer_type<I>>> &&
         ...);
};

}  // namespace detail

namespace detail {

/// The value_error of check_fused_sgd, out of line, so that the check itself stays small enough to inline.
[[noreturn, gnu::cold, gnu::noinline]] inline void fused_weight_decay_error(std::string_view who, double weight_decay) {
    throw value_error(message(who, ": weight_decay is ", weight_decay,
                              ", expected 0 (the fused step has no weight decay; use value_and_grad and sgd.step)"));
}

// The fused steps take sgd's learning rate; weight decay would need the parameters before the
// update at every layer, which the fused pass overwrites, so it is refused rather than approximated.
template <class T>
void check_fused_sgd(std::string_view who, const sgd& opt) {
    opt.check<T>();
    if (opt.weight_decay != 0) [[unlikely]]
        fused_weight_decay_error(who, opt.weight_decay);
}

}  // namespace detail

/// Trains p on one mini-batch with plain SGD: forward, loss, backward and p ← p - opt.lr·(mean
/// gradient over the batch) in one pass, with no gradient stored (see the top of this header); then
/// folds the batch's statistics into the running ones (batch_norm). Returns the batch's summed loss,
/// before the update. At most ws.capacity() samples; inputs and targets pair up. The result equals
/// value_and_grad_batch followed by opt.step up to rounding. A learning rate that is not a finite
/// number >= 0 as a T is a value_error (sgd::check), before anything changes.
template <network Net, class T, class Loss>
    requires loss_for<Loss, T, Net::out_size>
T sgd_step_batch(params<Net, T>& p, batch_workspace<Net, T>& ws,
                 std::span<const std::type_identity_t<vec<T, Net::in_size>>> inputs,
                 std::span<const loss_target_t<Loss, T, Net::out_size>> targets, const Loss& loss, const sgd& opt,
                 const batch_info& info = {mode::training}) {
    if constexpr (detail::in_place_check<Net, T>::value) {
        detail::check_fused_sgd<T>("tg::sgd_step_batch", opt);
        const std::size_t n = detail::load_batch("tg::sgd_step_batch", ws, inputs, targets);
        if (n == 0) return T{};
        const auto target = [&](std::size_t r) -> const auto& { return targets[r]; };
        const T weight = detail::batch_weight<T, Net::out_size>(loss, n, target);
        const T sum = detail::loss_rows<Net>(p, ws, n, target, loss, detail::per_weight(static_cast<T>(-opt.lr), weight),
                                             info);
        // Each layer's backward_batch adds its update into its own parameters (tg::batch_updates_in_place).
        detail::walk_layers<Net, true>([&](auto layer) {
            detail::backward_batch_layer<Net, layer>(std::as_const(p), ws, n, get<layer>(p), grad_mode::add);
        });
        update_running_statistics<Net>(p, ws);
        return sum;
    } else {
        return T{};
    }
}

/// Trains p on one sample with plain SGD: forward, loss, backward and p ← p - opt.lr·∂L/∂p in one
/// pass, using ws as scratch. Returns the sample's loss (before the update). A learning rate that is
/// not a finite number >= 0 as a T is a value_error (sgd::check), before anything changes.
template <network Net, class T, class U, std::size_t N, class Loss>
    requires loss_for<Loss, T, Net::out_size>
constexpr T sgd_step(params<Net, T>& p, const vec<U, N>& x, const loss_target_t<Loss, T, Net::out_size>& target,
                     const Loss& loss, const sgd& opt, workspace<Net, T>& ws) {
    if constexpr (detail::check_input<Net, T, U, N>()) {
        if (!std::is_constant_evaluated()) detail::check_fused_sgd<T>("tg::sgd_step", opt);
        const vec<T, Net::out_size> out = forward<Net>(p, x, ws, mode::training);
        vec<T, Net::out_size> grad_out;
        const T value = loss.value_and_grad(out, target, grad_out);
        detail::update_layers<Net>(p, ws, grad_out, static_cast<T>(-opt.lr));
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
