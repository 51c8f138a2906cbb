// tg::sgd{lr, weight_decay = 0}: plain stochastic gradient descent, p ← p - lr·grad, one fused multiply-add
// pass per tensor; with L2 weight decay λ, p ← p - lr·(grad + λ·p), as PyTorch's torch.optim.SGD.
#pragma once

#include <string_view>
#include <type_traits>

#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct sgd {
    double lr;                // the learning rate η
    double weight_decay = 0;  // L2 weight decay λ: the step follows grad + λ·p

    /// Throws value_error unless lr and weight_decay are finite numbers >= 0 as a T.
    template <scalar T>
    void check() const {
        detail::check_hyper_parameter<T>("tg::sgd", "lr", lr);
        detail::check_hyper_parameter<T>("tg::sgd", "weight_decay", weight_decay);
    }

    template <class Net, class T>
    void step(params<Net, T>& p, const params<Net, T>& grad) const {
        start_step(p)(p, grad, {});
    }

    /// Shows a checkpoint (io/checkpoint.hpp) the kind and the hyper-parameters; sgd has no state.
    template <class Visitor>
    void checkpoint(Visitor& v) const {
        v.kind("sgd");
        v.hyper_parameter("lr", lr);
        v.hyper_parameter("weight_decay", weight_decay);
    }

    /// step as threads split it: the update, update(p, grad, part), that each applies to its part of p.
    /// Checks lr first (check<T>()).
    template <class Net, class T>
    auto start_step(params<Net, T>&) const {
        check<T>();
        return [alpha = static_cast<T>(-lr), decay = static_cast<T>(weight_decay)](
                   params<Net, T>& p, const params<Net, T>& grad, params_part part) noexcept {
            if (decay == 0)
                detail::update_params([alpha](auto& w, auto g) { w = xsimd::fma(decltype(g)(alpha), g, w); }, p, grad,
                                      part);
            else
                detail::update_params([=](auto& w, auto g) { w = xsimd::fma(decltype(g)(alpha), g + decay * w, w); }, p,
                                      grad, part);
        };
    }
};

}  // namespace typegrad
