// Learning-rate schedules as types, with the formulas of PyTorch's schedulers: tg::step_lr (StepLR),
// tg::exponential_lr (ExponentialLR), tg::cosine_lr (CosineAnnealingLR), tg::linear_lr (LinearLR, a
// warm-up) and tg::sequential_lr (SequentialLR: one schedule, then another). tg::scheduled{opt, schedule}
// is an optimizer that sets opt's lr from the schedule before every step, counting epochs or updates.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <numbers>
#include <string_view>
#include <utility>

#include <typegrad/core/error.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/optim/optimizer.hpp>

namespace typegrad {

/// @brief S gives the learning rate after t epochs or updates (t from 0) from the base rate,
/// s.lr(base, t), and s.check() throws tg::value_error naming a bad hyper-parameter.
template <class S>
concept lr_schedule = requires(const S& s, double base, std::size_t t) {
    { s.lr(base, t) } -> std::convertible_to<double>;
    s.check();
};

namespace detail {

inline void check_count(std::string_view who, std::string_view option, std::size_t value) {
    if (value == 0) throw value_error(message(who, ": ", option, " is 0, expected at least 1"));
}

/// Throws value_error unless value is a finite number in [lo, hi] (or (lo, hi] when `open_lo`).
inline void check_factor(std::string_view who, std::string_view option, double value, double lo, double hi,
                         bool open_lo = false) {
    if ((open_lo ? value > lo : value >= lo) && value <= hi) return;  // false for NaN
    throw value_error(message(who, ": ", option, " is ", value, ", expected a number in ", open_lo ? "(" : "[", lo,
                              ", ", hi, "]"));
}

}  // namespace detail

/// base · gamma^⌊t / step_size⌋ (PyTorch's StepLR).
struct step_lr {
    std::size_t step_size;
    double gamma = 0.1;

    double lr(double base, std::size_t t) const noexcept { return base * std::pow(gamma, double(t / step_size)); }
    void check() const {
        detail::check_count("tg::step_lr", "step_size", step_size);
        detail::check_hyper_parameter<double>("tg::step_lr", "gamma", gamma);
    }
    /// Shows a checkpoint (io/checkpoint.hpp) its kind and parameters, as each schedule here does.
    template <class Visitor>
    void checkpoint(Visitor& v) const {
        v.hyper_parameter("schedule", "step_lr");
        v.hyper_parameter("schedule.step_size", double(step_size));
        v.hyper_parameter("schedule.gamma", gamma);
    }
};

/// base · gamma^t (PyTorch's ExponentialLR).
struct exponential_lr {
    double gamma;

    double lr(double base, std::size_t t) const noexcept { return base * std::pow(gamma, double(t)); }
    void check() const { detail::check_hyper_parameter<double>("tg::exponential_lr", "gamma", gamma); }
    template <class Visitor>
    void checkpoint(Visitor& v) const {
        v.hyper_parameter("schedule", "exponential_lr");
        v.hyper_parameter("schedule.gamma", gamma);
    }
};

/// min_lr + (base − min_lr)·(1 + cos(π·t / period)) / 2: half a cosine from base down to min_lr over
/// `period` steps, and back up over the next `period` (the closed form of PyTorch's CosineAnnealingLR,
/// with T_max = period and eta_min = min_lr).
struct cosine_lr {
    std::size_t period;
    double min_lr = 0;

    double lr(double base, std::size_t t) const noexcept {
        return min_lr + (base - min_lr) * (1 + std::cos(std::numbers::pi * double(t) / double(period))) / 2;
    }
    void check() const {
        detail::check_count("tg::cosine_lr", "period", period);
        detail::check_hyper_parameter<double>("tg::cosine_lr", "min_lr", min_lr);
    }
    template <class Visitor>
    void checkpoint(Visitor& v) const {
        v.hyper_parameter("schedule", "cosine_lr");
        v.hyper_parameter("schedule.period", double(period));
        v.hyper_parameter("schedule.min_lr", min_lr);
    }
};

/// base · (start_factor + (end_factor − start_factor)·min(t, steps) / steps): a linear warm-up from
/// base · start_factor to base · end_factor over `steps` steps, then constant (PyTorch's LinearLR, with
/// its defaults, total_iters = steps).
struct linear_lr {
    double start_factor = 1.0 / 3;
    double end_factor = 1;
    std::size_t steps = 5;

    double lr(double base, std::size_t t) const noexcept {
        const double done = double(t < steps ? t : steps) / double(steps);
        return base * (start_factor + (end_factor - start_factor) * done);
    }
    void check() const {
        detail::check_factor("tg::linear_lr", "start_factor", start_factor, 0, 1, /*open_lo=*/true);
        detail::check_factor("tg::linear_lr", "end_factor", end_factor, 0, 1);
        detail::check_count("tg::linear_lr", "steps", steps);
    }
    template <class Visitor>
    void checkpoint(Visitor& v) const {
        v.hyper_parameter("schedule", "linear_lr");
        v.hyper_parameter("schedule.start_factor", start_factor);
        v.hyper_parameter("schedule.end_factor", end_factor);
        v.hyper_parameter("schedule.steps", double(steps));
    }
};

/// `first` for steps 0 … milestone − 1, then `then` counted again from 0 (PyTorch's SequentialLR with
/// one milestone): tg::sequential_lr{tg::linear_lr{.steps = 5}, 5, tg::cosine_lr{.period = 45}} warms up
/// for 5 steps, then goes down a cosine for 45. Nest it for more than two.
template <lr_schedule First, lr_schedule Then>
struct sequential_lr {
    First first;
    std::size_t milestone;
    Then then;

    double lr(double base, std::size_t t) const noexcept {
        return t < milestone ? first.lr(base, t) : then.lr(base, t - milestone);
    }
    void check() const {
        first.check();
        detail::check_count("tg::sequential_lr", "milestone", milestone);
        then.check();
    }
    /// Shows a checkpoint the milestone, then each schedule's parameters under "schedule.first." and
    /// "schedule.then.".
    template <class Visitor>
        requires requires(const First& f, const Then& t, Visitor& v) {
            f.checkpoint(v);
            t.checkpoint(v);
        }
    void checkpoint(Visitor& v) const {
        v.hyper_parameter("schedule", "sequential_lr");
        v.hyper_parameter("schedule.milestone", double(milestone));
        Visitor in_first = v.within("schedule.first."), in_then = v.within("schedule.then.");
        first.checkpoint(in_first);
        then.checkpoint(in_then);
    }
};
template <class First, class Then>
sequential_lr(First, std::size_t, Then) -> sequential_lr<First, Then>;

/// What a schedule's t counts.
enum class per {
    epoch,  // epochs finished: the rate changes between epochs (PyTorch's usual scheduler.step() per epoch)
    update  // optimizer steps made: the rate changes at every update (warm-ups over a few hundred updates)
};

/// @brief O is told when an epoch ends, o.end_epoch(); tg::fit calls it after each epoch.
template <class O>
concept epoch_counting = requires(O& o) { o.end_epoch(); };

/// An optimizer whose learning rate follows a schedule: before every step it sets optimizer.lr to
/// schedule.lr(base_lr, t), t the epochs finished (per::epoch, the default; tg::fit reports each one
/// through end_epoch()) or the updates made (per::update). base_lr is optimizer.lr when constructed:
///   tg::scheduled opt{tg::adam{1e-3}, tg::cosine_lr{.period = 9}};
/// The counters carry on across calls of tg::fit, as a PyTorch scheduler's do.
template <class Opt, lr_schedule Schedule>
    requires requires(Opt& o) { o.lr = 1.0; }
class scheduled {
public:
    Opt optimizer;
    Schedule schedule;
    per unit = per::epoch;
    double base_lr = optimizer.lr;

    scheduled(Opt optimizer, Schedule schedule, per unit = per::epoch)
        : optimizer(std::move(optimizer)), schedule(std::move(schedule)), unit(unit) {}

    /// The learning rate of the next update.
    double lr() const noexcept { return schedule.lr(base_lr, unit == per::epoch ? epochs_ : updates_); }

    /// Throws value_error naming the first bad hyper-parameter of the schedule or of the optimizer.
    template <scalar T>
    void check() const {
        schedule.check();
        detail::check_hyper_parameter<T>("tg::scheduled", "base_lr", base_lr);
        if constexpr (checked_optimizer<Opt, T>) optimizer.template check<T>();
    }

    template <class Net, class T>
    void step(params<Net, T>& p, const params<Net, T>& grad) {
        optimizer.lr = lr();
        optimizer.step(p, grad);
        ++updates_;
    }

    /// The optimizer's start_step (concept splittable_optimizer), at the scheduled rate.
    template <class Net, class T>
        requires splittable_optimizer<Opt, params<Net, T>>
    auto start_step(params<Net, T>& p) {
        optimizer.lr = lr();
        auto update = optimizer.start_step(p);
        ++updates_;
        return update;
    }

    void end_epoch() noexcept { ++epochs_; }
    std::size_t epochs() const noexcept { return epochs_; }
    std::size_t updates() const noexcept { return updates_; }

    /// Shows a checkpoint (io/checkpoint.hpp) base_lr, the unit, the schedule's parameters and both
    /// counters, then the wrapped optimizer's kind, hyper-parameters and state but its lr (which the
    /// schedule sets before each step). Both the optimizer and the schedule must show theirs.
    template <class Visitor>
        requires requires(const Opt& o, const Schedule& s, Visitor& v) {
            o.checkpoint(v);
            s.checkpoint(v);
        }
    void checkpoint(Visitor& v) const { visit(*this, v); }
    template <class Visitor>
        requires requires(Opt& o, const Schedule& s, Visitor& v) {
            o.checkpoint(v);
            s.checkpoint(v);
        }
    void checkpoint(Visitor& v) { visit(*this, v); }

private:
    template <class Self, class Visitor>
    static void visit(Self& self, Visitor& v) {
        v.kind("scheduled");
        v.hyper_parameter("base_lr", self.base_lr);
        v.hyper_parameter("unit", self.unit == per::epoch ? "epoch" : "update");
        self.schedule.checkpoint(v);
        v.counter("scheduled_epochs", self.epochs_);
        v.counter("scheduled_updates", self.updates_);
        Visitor inner = v.ignoring("lr");
        self.optimizer.checkpoint(inner);
    }

    std::size_t epochs_ = 0, updates_ = 0;
};

}  // namespace typegrad
