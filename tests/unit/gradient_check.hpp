// The tests' one finite-difference check: the derivative of a scalar function with respect to one
// value, by a central difference, and the largest relative error of an analytic gradient over every
// parameter of a params value (or every entry of a vector) against it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <typegrad/typegrad.hpp>

namespace gradient_check {

namespace tg = typegrad;

/// |a - n| / max(|a|, |n|, 1e-3): relative, with a floor so that exact zeros compare absolutely.
inline double relative_error(double analytic, double numeric) {
    return std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), 1e-3});
}

/// ∂f/∂v, f() read with v moved by ±h·max(1, |v|) (and ±2h with order 4, which resolves sharper
/// curvature); v is restored.
template <class F>
double derivative(F&& f, double& v, double h = 1e-5, int order = 2) {
    const double saved = v, step = h * std::max(1.0, std::abs(saved));
    auto at = [&](double offset) {
        v = saved + offset;
        const double value = f();
        v = saved;
        return value;
    };
    if (order == 4) return (at(-2 * step) - 8 * at(-step) + 8 * at(step) - at(2 * step)) / (12 * step);
    return (at(step) - at(-step)) / (2 * step);
}

/// The largest relative error of grad, the analytic gradient of f() with respect to p, over every
/// parameter of p.
template <class P, class F>
double worst_over_params(P& p, const P& grad, F&& f, double h = 1e-5, int order = 2) {
    double worst = 0;
    tg::for_each_tensor(
        [&](std::size_t, std::string_view, auto& w, const auto& g) {
            for (std::size_t i = 0; i < w.size(); ++i)
                worst = std::max(worst, relative_error(g.data()[i], derivative(f, w.data()[i], h, order)));
        },
        p, grad);
    return worst;
}

/// The same over n values at x (a vector's or rows' entries), whose analytic derivatives are at g.
template <class F>
double worst_over_values(double* x, const double* g, std::size_t n, F&& f, double h = 1e-5, int order = 2) {
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, relative_error(g[i], derivative(f, x[i], h, order)));
    return worst;
}

}  // namespace gradient_check
