// tg::adam{lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0}: Adam with bias correction, as
// PyTorch's torch.optim.Adam computes it. At step t: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
// p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps), where g is grad + λ·p with L2 weight decay λ.
// tg::adamw{lr, ..., weight_decay = 0.01} decouples the decay, as torch.optim.AdamW: p ← p·(1 − lr·λ)
// first, then Adam's step from grad alone. m and v are allocated on the first step.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>

namespace typegrad {

/// Copies are deep (a copy has its own m, v and step count and continues as the original would); a
/// moved-from adam, like a reset() one, has no state and starts over at t = 1.
class adam {
public:
    double lr;              // the learning rate
    double beta1 = 0.9;     // decay of the mean of the gradients, m
    double beta2 = 0.999;   // decay of the mean of their squares, v
    double eps = 1e-8;      // keeps the denominator away from zero
    double weight_decay = 0;  // λ: L2 (added to the gradient) for adam, decoupled for adamw

    explicit adam(double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
                  double weight_decay = 0) noexcept
        : lr(lr), beta1(beta1), beta2(beta2), eps(eps), weight_decay(weight_decay) {}

    /// Throws value_error unless lr, eps and weight_decay are finite numbers >= 0 as a T and beta1,
    /// beta2 are in [0, 1).
    template <scalar T>
    void check() const {
        const char* who = decoupled_ ? "tg::adamw" : "tg::adam";
        detail::check_hyper_parameter<T>(who, "lr", lr);
        detail::check_hyper_parameter<T>(who, "beta1", beta1, true);
        detail::check_hyper_parameter<T>(who, "beta2", beta2, true);
        detail::check_hyper_parameter<T>(who, "eps", eps);
        detail::check_hyper_parameter<T>(who, "weight_decay", weight_decay);
    }

    /// One update of p from grad. The first step allocates m and v (once); later steps do not.
    /// Throws tg::value_error if p's type differs from the first step's.
    template <class Net, class T>
    void step(params<Net, T>& p, const params<Net, T>& grad) {
        start_step(p)(p, grad, {});
    }

    /// step's share that happens once (checking the hyper-parameters, allocating m and v, counting the step); returns the update,
    /// update(p, grad, part), which threads may apply to their parts of p at once.
    template <class Net, class T>
    auto start_step(params<Net, T>&) {
        check<T>();
        params<Net, T>* moments = state_.values<2, params<Net, T>>("tg::adam");
        const auto t = static_cast<double>(state_.count_step());
        const T step_size = static_cast<T>(lr / (1 - std::pow(beta1, t)));
        const T inv_sqrt_correction2 = static_cast<T>(1 / std::sqrt(1 - std::pow(beta2, t)));
        const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2), e = static_cast<T>(eps);
        // L2 decay adds λ·p to the gradient; decoupled decay scales p by 1 − lr·λ before the step.
        const T l2 = decoupled_ ? T{0} : static_cast<T>(weight_decay);
        const T keep = decoupled_ ? static_cast<T>(1 - lr * weight_decay) : T{1};
        return [=](params<Net, T>& p, const params<Net, T>& grad, params_part part) {
            if (l2 == 0 && keep == 1)
                detail::update_params(
                    [=](auto& w, auto g, auto& m, auto& v) {
                        m = b1 * m + (1 - b1) * g;
                        v = b2 * v + (1 - b2) * (g * g);
                        w -= step_size * m / (sqrt(v) * inv_sqrt_correction2 + e);  // xsimd's sqrt, found by ADL
                    },
                    p, grad, part, moments[0], moments[1]);
            else
                detail::update_params(
                    [=](auto& w, auto g, auto& m, auto& v) {
                        g += l2 * w;
                        w *= keep;
                        m = b1 * m + (1 - b1) * g;
                        v = b2 * v + (1 - b2) * (g * g);
                        w -= step_size * m / (sqrt(v) * inv_sqrt_correction2 + e);
                    },
                    p, grad, part, moments[0], moments[1]);
        };
    }

    /// The number of updates made (t after the last step).
    std::size_t steps() const noexcept { return state_.steps(); }
    /// Forgets m, v and the step count; the next step may use another params type.
    void reset() noexcept { state_ = {}; }

    /// Shows a checkpoint (io/checkpoint.hpp) the kind, the hyper-parameters, and m, v and t under
    /// PyTorch's names (exp_avg, exp_avg_sq, step): `v` reads them to save, or checks and sets them to load.
    template <class Visitor>
    void checkpoint(Visitor& v) const { visit(*this, v); }
    template <class Visitor>
    void checkpoint(Visitor& v) { visit(*this, v); }

protected:
    bool decoupled_ = false;  // adamw

private:
    template <class Self, class Visitor>
    static void visit(Self& self, Visitor& v) {
        v.kind(self.decoupled_ ? "adamw" : "adam");
        v.hyper_parameter("lr", self.lr);
        v.hyper_parameter("beta1", self.beta1);
        v.hyper_parameter("beta2", self.beta2);
        v.hyper_parameter("eps", self.eps);
        v.hyper_parameter("weight_decay", self.weight_decay);
        v.state(self.state_, std::array<std::string_view, 2>{"exp_avg", "exp_avg_sq"});
    }

    detail::optimizer_state state_;
};

/// AdamW (torch.optim.AdamW): Adam whose weight decay is decoupled from the gradient, p ← p·(1 − lr·λ)
/// before each step; λ = 0.01 by default, as in PyTorch.
class adamw : public adam {
public:
    explicit adamw(double lr, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
                   double weight_decay = 0.01) noexcept
        : adam(lr, beta1, beta2, eps, weight_decay) {
        decoupled_ = true;
    }
};

}  // namespace typegrad
