// tg::sgd{lr}: plain stochastic gradient descent, p ← p - lr·grad, one axpy per parameter tensor.
#pragma once

#include <string_view>
#include <type_traits>

#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

struct sgd {
    double lr;  // the learning rate η

    template <class Net, class T>
    constexpr void step(params<Net, T>& p, const params<Net, T>& grad) const noexcept {
        for_each_tensor(
            [alpha = static_cast<T>(-lr)](std::size_t, std::string_view, auto& w, const auto& g) {
                simd::axpy<std::remove_cvref_t<decltype(w)>::size()>(alpha, g.data(), w.data());
            },
            p, grad);
    }
};

}  // namespace typegrad
