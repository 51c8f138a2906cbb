// tg::sgd{lr}: plain stochastic gradient descent, p ← p - lr·grad, one fused multiply-add pass per tensor.
#pragma once

#include <string_view>
#include <type_traits>

#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct sgd {
    double lr;  // the learning rate η

    /// Throws value_error unless lr is a finite number >= 0 as a T.
    template <scalar T>
    void check() const {
        detail::check_hyper_parameter<T>("tg::sgd", "lr", lr);
    }

    template <class Net, class T>
    void step(params<Net, T>& p, const params<Net, T>& grad) const {
        start_step(p)(p, grad, {});
    }

    /// step as threads split it: the update, update(p, grad, part), that each applies to its part of p.
    /// Checks lr first (check<T>()).
    template <class Net, class T>
    auto start_step(params<Net, T>&) const {
        check<T>();
        return [alpha = static_cast<T>(-lr)](params<Net, T>& p, const params<Net, T>& grad, params_part part) noexcept {
            detail::update_params([alpha](auto& w, auto g) { w = xsimd::fma(decltype(g)(alpha), g, w); }, p, grad,
                                  part);
        };
    }
};

}  // namespace typegrad
