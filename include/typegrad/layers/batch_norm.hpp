// tg::batch_norm: y = γ·(x - μ)/√(σ² + ε) + β per feature, as PyTorch's BatchNorm1d. Training on a
// mini-batch uses the batch's mean μ and biased variance σ² (and its backward goes through them);
// inference and the per-sample path use the running statistics, which training batches update.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/batch_parts.hpp>
#include <typegrad/layers/layer.hpp>

namespace typegrad {

/// The parameters of a batch_norm layer over N features, named as PyTorch's BatchNorm1d state_dict. γ
/// ("weight") and β ("bias") are learned; the running statistics are not: their gradient is always
/// 0, so optimizers leave them unchanged, and tg::update_running_statistics moves them.
/// num_batches_tracked counts the batches folded into them (saved as PyTorch's I64 scalar).
template <scalar T, std::size_t N>
struct batch_norm_params {
    vec<T, N> weight, bias, running_mean, running_var;
    std::int64_t num_batches_tracked = 0;

    static constexpr std::size_t count = 4 * N;

    template <class F, class... Ps>
    static constexpr void for_each_tensor(F&& f, Ps&... ps) {
        f(std::string_view{"weight"}, ps.weight...);
        f(std::string_view{"bias"}, ps.bias...);
        f(std::string_view{"running_mean"}, ps.running_mean...);
        f(std::string_view{"running_var"}, ps.running_var...);
    }
    friend constexpr bool operator==(const batch_norm_params&, const batch_norm_params&) noexcept = default;
};

template <scalar T, std::size_t N>
struct batch_norm_cache {
    vec<T, N> x_hat;  // (x - running mean) / √(running var + ε)
};

namespace detail {

/// The count, mean and Σ(x - mean)² per feature of some rows.
template <scalar T, std::size_t N>
struct moments {
    std::size_t count = 0;
    vec<T, N> mean, m2;

    /// Of rows [0, n) of x, in two passes (no cancellation). The sums are locals, which the
    /// compiler knows do not alias the rows, so the loops vectorise.
    void measure(std::size_t n, const rows<T, N>& x) noexcept {
        vec<T, N> sum, squares;
        for (std::size_t r = 0; r < n; ++r) {
            const T* in = x.row(r);
            for (std::size_t j = 0; j < N; ++j) sum[j] += in[j];
        }
        const T inv_n = n ? T(1) / T(n) : T(0);
        for (std::size_t j = 0; j < N; ++j) sum[j] *= inv_n;
        for (std::size_t r = 0; r < n; ++r) {
            const T* in = x.row(r);
            for (std::size_t j = 0; j < N; ++j) squares[j] += (in[j] - sum[j]) * (in[j] - sum[j]);
        }
        count = n;
        mean = sum;
        m2 = squares;
    }

    /// Adds the rows `other` describes (Chan, Golub and LeVeque's pairwise update).
    void merge(const moments& other) noexcept {
        if (other.count == 0) return;
        if (count == 0) {
            *this = other;
            return;
        }
        const T na = T(count), nb = T(other.count), n = na + nb;
        for (std::size_t j = 0; j < N; ++j) {
            const T delta = other.mean[j] - mean[j];
            mean[j] += delta * (nb / n);
            m2[j] += other.m2[j] + delta * delta * (na * nb / n);
        }
        count += other.count;
    }
};

/// Σ g and Σ g·x̂ per feature over some rows, for backward.
template <scalar T, std::size_t N>
struct gradient_sums {
    vec<T, N> g, g_x_hat;

    void add(const gradient_sums& other) noexcept {
        for (std::size_t j = 0; j < N; ++j) {
            g[j] += other.g[j];
            g_x_hat[j] += other.g_x_hat[j];
        }
    }
};

}  // namespace detail

/// What the batch forward keeps for the backward pass and for the running-statistics update.
template <scalar T, std::size_t N>
struct batch_norm_state {
    struct buffers {
        detail::moments<T, N> own, batch;  // this thread's rows; the whole batch's
        detail::gradient_sums<T, N> own_sums, batch_sums;
        vec<T, N> inv_std;                 // 1/√(σ² + ε) of the statistics forward used
    };

    explicit batch_norm_state(std::size_t) : b(std::make_unique<buffers>()) {}
    std::unique_ptr<buffers> b;  // on the heap: a wide layer's buffers would crowd a stack workspace
    bool training = false;
    bool pending = false;  // a training pass whose statistics update_running_statistics has not folded in
    batch_parts* parts = nullptr;
    std::size_t part = 0;
};

/// batch_norm with ε = Eps and running-statistics momentum Momentum (new = (1 - m)·old + m·batch).
template <double Eps, double Momentum>
struct basic_batch_norm {
    static constexpr std::string_view name = "batch_norm";
    static_assert(Eps > 0, "tg::basic_batch_norm<Eps, Momentum> needs Eps > 0");
    static_assert(Momentum >= 0 && Momentum <= 1, "tg::basic_batch_norm<Eps, Momentum> needs 0 <= Momentum <= 1");

    static constexpr double eps = Eps;
    static constexpr double momentum = Momentum;

    template <std::size_t In>
    static constexpr std::size_t out_size_for = In;
    template <scalar T, std::size_t In>
    using params_type = batch_norm_params<T, In>;
    template <scalar T, std::size_t In>
    using cache_type = batch_norm_cache<T, In>;
    template <scalar T, std::size_t In>
    using batch_state_type = batch_norm_state<T, In>;

    /// γ = 1, β = 0, running mean 0, running variance 1, as PyTorch starts them.
    template <scalar T, std::size_t N>
    static constexpr void init(batch_norm_params<T, N>& p, rng&, init_scheme) noexcept {
        p = {};
        for (std::size_t j = 0; j < N; ++j) p.weight[j] = p.running_var[j] = T(1);
    }

    /// One sample has no batch statistics: the per-sample path normalises with the running ones, in
    /// training mode too (as inference does), and its backward is that of a fixed affine map.
    template <scalar T, std::size_t N>
    static vec<T, N> forward(const batch_norm_params<T, N>& p, const vec<T, N>& x, batch_norm_cache<T, N>& cache,
                             mode) noexcept {
        vec<T, N> y;
        for (std::size_t j = 0; j < N; ++j) {
            cache.x_hat[j] = (x[j] - p.running_mean[j]) * running_inv_std(p, j);
            y[j] = p.weight[j] * cache.x_hat[j] + p.bias[j];
        }
        return y;
    }

    template <scalar T, std::size_t N>
    static vec<T, N> backward(const batch_norm_params<T, N>& p, const batch_norm_cache<T, N>& cache,
                              const vec<T, N>& grad_out, batch_norm_params<T, N>& grad) noexcept {
        vec<T, N> grad_in;
        for (std::size_t j = 0; j < N; ++j) {
            grad.weight[j] += grad_out[j] * cache.x_hat[j];
            grad.bias[j] += grad_out[j];
            grad_in[j] = grad_out[j] * p.weight[j] * running_inv_std(p, j);
        }
        return grad_in;
    }

    /// Training: the statistics of the whole mini-batch. When threads split it (info.parts), each
    /// measures its own rows and every thread merges all of them in thread order, so each gets the
    /// same statistics, those of the whole batch up to rounding. Inference: the running statistics.
    template <scalar T, std::size_t N>
    static void forward_batch(const batch_norm_params<T, N>& p, std::size_t n, const rows<T, N>& x, rows<T, N>& y,
                              batch_norm_state<T, N>& state, const batch_info& info) noexcept {
        auto& b = *state.b;
        state.training = state.pending = info.m == mode::training;
        state.parts = info.parts;
        state.part = info.part;
        vec<T, N> mean;
        if (state.training) {
            b.own.measure(n, x);
            if (state.parts) {
                state.parts->share(state.part, b.own, b.batch, [](auto& total, const auto& other) { total.merge(other); });
            } else {
                b.batch = b.own;
            }
            const T rows = T(b.batch.count);
            for (std::size_t j = 0; j < N; ++j) b.inv_std[j] = T(1) / std::sqrt(b.batch.m2[j] / rows + T(Eps));
            mean = b.batch.mean;
        } else {
            for (std::size_t j = 0; j < N; ++j) b.inv_std[j] = running_inv_std(p, j);
            mean = p.running_mean;
        }
        vec<T, N> scale;  // y = (x - μ)·scale + β, from locals (see moments::measure)
        const vec<T, N> bias = p.bias;
        for (std::size_t j = 0; j < N; ++j) scale[j] = p.weight[j] * b.inv_std[j];
        for (std::size_t r = 0; r < n; ++r) {
            const T* in = x.row(r);
            T* out = y.row(r);
            for (std::size_t j = 0; j < N; ++j) out[j] = (in[j] - mean[j]) * scale[j] + bias[j];
        }
    }

    /// ∂L/∂γ += Σ g·x̂, ∂L/∂β += Σ g over this thread's rows; with the batch statistics, also through
    /// μ and σ²: ∂L/∂x = γ/√(σ² + ε) · (g - mean(g) - x̂·mean(g·x̂)), the means over the whole batch.
    static constexpr bool backward_batch_in_place = true;
    template <scalar T, std::size_t N>
    static void backward_batch(const batch_norm_params<T, N>& p, std::size_t n, const rows<T, N>& x,
                               const rows<T, N>&, const rows<T, N>& grad_y, rows<T, N>* grad_x,
                               batch_norm_state<T, N>& state, batch_norm_params<T, N>& grad,
                               grad_mode how = grad_mode::add) noexcept {
        auto& b = *state.b;
        // Locals taken before grad is written: grad may be p itself (tg::sgd_step_batch).
        const vec<T, N> mean = state.training ? b.batch.mean : p.running_mean, inv_std = b.inv_std;
        vec<T, N> scale, sum_g, sum_g_x_hat;  // ∂L/∂x = scale·(g - mean_g - x̂·mean_g_x_hat)
        for (std::size_t j = 0; j < N; ++j) scale[j] = p.weight[j] * inv_std[j];
        for (std::size_t r = 0; r < n; ++r) {
            const T *g = grad_y.row(r), *in = x.row(r);
            for (std::size_t j = 0; j < N; ++j) {
                sum_g[j] += g[j];
                sum_g_x_hat[j] += g[j] * ((in[j] - mean[j]) * inv_std[j]);
            }
        }
        b.own_sums = {sum_g, sum_g_x_hat};
        if (how == grad_mode::assign) grad = {};  // the running statistics' gradient is 0
        for (std::size_t j = 0; j < N; ++j) {
            grad.weight[j] += b.own_sums.g_x_hat[j];
            grad.bias[j] += b.own_sums.g[j];
        }
        if (!grad_x) return;  // the same in every thread, so none waits for a share() that never comes
        vec<T, N> mean_g, mean_g_x_hat;
        if (state.training) {
            if (state.parts) {
                state.parts->share(state.part, b.own_sums, b.batch_sums,
                                   [](auto& total, const auto& other) { total.add(other); });
            } else {
                b.batch_sums = b.own_sums;
            }
            const T inv_rows = T(1) / T(b.batch.count);
            for (std::size_t j = 0; j < N; ++j) {
                mean_g[j] = b.batch_sums.g[j] * inv_rows;
                mean_g_x_hat[j] = b.batch_sums.g_x_hat[j] * inv_rows;
            }
        }
        for (std::size_t r = 0; r < n; ++r) {
            const T *g = grad_y.row(r), *in = x.row(r);
            T* out = grad_x->row(r);
            for (std::size_t j = 0; j < N; ++j)
                out[j] = scale[j] * (g[j] - mean_g[j] - (in[j] - mean[j]) * inv_std[j] * mean_g_x_hat[j]);
        }
    }

    /// running = (1 - Momentum)·running + Momentum·batch, with the batch's unbiased variance (as
    /// PyTorch), once per training pass. A one-row batch has no variance: it leaves them alone
    /// (PyTorch refuses to train on it; here its output is β and its input gradient 0).
    template <scalar T, std::size_t N>
    static void update_running_statistics(batch_norm_params<T, N>& p, batch_norm_state<T, N>& state) noexcept {
        if (!state.pending) return;
        state.pending = false;
        const auto& stats = state.b->batch;
        if (stats.count < 2) return;
        const T m = T(Momentum), unbiased = T(1) / T(stats.count - 1);
        for (std::size_t j = 0; j < N; ++j) {
            p.running_mean[j] = (T(1) - m) * p.running_mean[j] + m * stats.mean[j];
            p.running_var[j] = (T(1) - m) * p.running_var[j] + m * stats.m2[j] * unbiased;
        }
        ++p.num_batches_tracked;
    }

private:
    template <scalar T, std::size_t N>
    static T running_inv_std(const batch_norm_params<T, N>& p, std::size_t j) noexcept {
        return T(1) / std::sqrt(p.running_var[j] + T(Eps));
    }
};

/// Batch normalisation with PyTorch's defaults: ε = 1e-5, momentum 0.1.
using batch_norm = basic_batch_norm<1e-5, 0.1>;

}  // namespace typegrad
