// tg::momentum{lr, mu, nesterov = false, weight_decay = 0}: gradient descent with a velocity, the update
// of PyTorch's torch.optim.SGD with momentum (dampening 0): v ← mu·v + g, then p ← p − lr·v (classical)
// or p ← p − lr·(g + mu·v) with the updated v (Nesterov). v starts at zero, so the first step is
// p − lr·g (Nesterov: p − lr·(1 + mu)·g). With L2 weight decay λ, g is grad + λ·p, as in PyTorch. v is
// allocated on the first step, for that step's params type.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>

namespace typegrad {

/// Copies are deep (a copy has its own velocity and continues as the original would); a moved-from
/// momentum, like a reset() one, has no velocity and starts over.
class momentum {
public:
    double lr;                // the learning rate η
    double mu;                // the momentum factor, typically 0.9
    bool nesterov = false;
    double weight_decay = 0;  // L2 weight decay λ: the velocity gathers grad + λ·p

    momentum(double lr, double mu, bool nesterov = false, double weight_decay = 0) noexcept
        : lr(lr), mu(mu), nesterov(nesterov), weight_decay(weight_decay) {}

    /// Throws value_error unless lr, mu and weight_decay are finite numbers >= 0 as a T.
    template <scalar T>
    void check() const {
        detail::check_hyper_parameter<T>("tg::momentum", "lr", lr);
        detail::check_hyper_parameter<T>("tg::momentum", "mu", mu);
        detail::check_hyper_parameter<T>("tg::momentum", "weight_decay", weight_decay);
    }

    /// One update of p from grad. The first step allocates the velocity (once); later steps do not.
    /// Throws tg::value_error if p's type differs from the first step's.
    template <class Net, class T>
    void step(params<Net, T>& p, const params<Net, T>& grad) {
        start_step(p)(p, grad, {});
    }

    /// step's share that happens once (checking the hyper-parameters, allocating the velocity, counting the step); returns the update,
    /// update(p, grad, part), which threads may apply to their parts of p at once.
    template <class Net, class T>
    auto start_step(params<Net, T>&) {
        check<T>();
        params<Net, T>* velocity = state_.values<1, params<Net, T>>("tg::momentum");
        state_.count_step();
        const T eta = static_cast<T>(lr), keep = static_cast<T>(mu), decay = static_cast<T>(weight_decay);
        return [=, nesterov = nesterov](params<Net, T>& p, const params<Net, T>& grad, params_part part) {
            if (decay != 0)
                detail::update_params(
                    [=](auto& w, auto g, auto& v) {
                        g += decay * w;
                        v = keep * v + g;
                        w -= eta * (nesterov ? g + keep * v : v);
                    },
                    p, grad, part, *velocity);
            else if (nesterov)
                detail::update_params([=](auto& w, auto g, auto& v) { v = keep * v + g; w -= eta * (g + keep * v); },
                                      p, grad, part, *velocity);
            else
                detail::update_params([=](auto& w, auto g, auto& v) { v = keep * v + g; w -= eta * v; }, p, grad,
                                      part, *velocity);
        };
    }

    /// The number of updates made.
    std::size_t steps() const noexcept { return state_.steps(); }
    /// Forgets the velocity and the step count; the next step may use another params type.
    void reset() noexcept { state_ = {}; }

    /// Shows a checkpoint (io/checkpoint.hpp) the kind, the hyper-parameters, the velocity under
    /// PyTorch's name (momentum_buffer) and the step count: `v` reads them to save, or checks and sets
    /// them to load.
    template <class Visitor>
    void checkpoint(Visitor& v) const { visit(*this, v); }
    template <class Visitor>
    void checkpoint(Visitor& v) { visit(*this, v); }

private:
    template <class Self, class Visitor>
    static void visit(Self& self, Visitor& v) {
        v.kind("momentum");
        v.hyper_parameter("lr", self.lr);
        v.hyper_parameter("mu", self.mu);
        v.hyper_parameter("nesterov", self.nesterov);
        v.hyper_parameter("weight_decay", self.weight_decay);
        v.state(self.state_, std::array<std::string_view, 1>{"momentum_buffer"});
    }

    detail::optimizer_state state_;
};

}  // namespace typegrad
