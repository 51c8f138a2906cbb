// Plain gradient descent as the seed's notes define it: θ ← θ − η·∇f(θ), stopped by a threshold on
// the gradient's norm or by an iteration cap, whichever comes first. The gradient is any callable
// taking the N parameters as N arguments and returning std::array<T, N>, e.g. tg::gradient(loss, x_).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <tuple>

#include <typegrad/core/scalar.hpp>

namespace typegrad {

struct gradient_descent_options {
    double learning_rate = 0.1;       // η, the step size
    double gradient_tolerance = 1e-6; // converged once ‖∇f(θ)‖ < gradient_tolerance
    std::size_t max_iterations = 1000; // the most updates made
};

enum class stop_reason {
    converged,      // the gradient's norm fell below gradient_tolerance
    max_iterations, // max_iterations updates were made first
    not_finite      // a component of the gradient became infinite or NaN (the learning rate is too large)
};

constexpr const char* to_string(stop_reason reason) noexcept {
    switch (reason) {
        case stop_reason::converged: return "converged";
        case stop_reason::max_iterations: return "max_iterations";
        case stop_reason::not_finite: return "not_finite";
    }
    return "?";
}

/// What a per-step callback sees: the point before update number `step`, and the gradient there.
template <scalar T, std::size_t N>
struct gradient_descent_step {
    std::size_t step;
    std::array<T, N> point;
    std::array<T, N> gradient;
};

template <scalar T, std::size_t N>
struct gradient_descent_result {
    std::array<T, N> point;    // where it stopped
    std::array<T, N> gradient; // the gradient at that point
    std::size_t steps;         // updates made
    stop_reason reason;
};

struct ignore_steps {
    template <class Step>
    constexpr void operator()(const Step&) const noexcept {}
};

/// Descends from `start`. on_step is called at every point visited, the start included, before the
/// stopping tests, so a trajectory has steps + 1 entries.
template <scalar T, std::size_t N, class Gradient, class OnStep = ignore_steps>
constexpr gradient_descent_result<T, N> gradient_descent(Gradient gradient, std::array<T, N> start,
                                                         const gradient_descent_options& options,
                                                         OnStep on_step = {}) {
    const T eta = static_cast<T>(options.learning_rate);
    const T tolerance = static_cast<T>(options.gradient_tolerance);
    std::array<T, N> point = start;
    for (std::size_t step = 0;; ++step) {
        const std::array<T, N> g = std::apply(gradient, point);
        on_step(gradient_descent_step<T, N>{step, point, g});
        bool finite = true;
        T norm_squared = 0;  // may overflow to infinity, which is never below the tolerance
        for (std::size_t i = 0; i < N; ++i) {
            finite = finite && std::isfinite(g[i]);
            norm_squared += g[i] * g[i];
        }
        if (!finite) return {point, g, step, stop_reason::not_finite};
        if (norm_squared < tolerance * tolerance) return {point, g, step, stop_reason::converged};
        if (step == options.max_iterations) return {point, g, step, stop_reason::max_iterations};
        for (std::size_t i = 0; i < N; ++i) point[i] -= eta * g[i];
    }
}

}  // namespace typegrad
