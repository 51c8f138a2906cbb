// tg::conv1d<InCh, OutCh, Kernel, Dilation>: a causal 1-D convolution over time, a tg::sequence_layer.
// The output at step t is b + Σ_k W[:, :, k]·x(t - (Kernel - 1 - k)·Dilation), inputs before the start
// being zero: PyTorch's nn.Conv1d (a cross-correlation) with (Kernel - 1)·Dilation zeros of padding on
// the left only, so that its last tap sees the current input. Its parameters are nn.Conv1d's, "weight"
// [OutCh, InCh, Kernel] and "bias" [OutCh]. Each step gathers the Kernel inputs it sees into one window
// laid out as a row of the weight ([InCh][Kernel]), so that the step is one gemv; from tg::inference_params
// (each tap's weights transposed) it sums the weights' columns scaled by the inputs, the newest last.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <utility>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/tensor3.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/steps.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

/// The parameters of conv1d<In, Out, K, …>: weight (Out×In×K) and bias (Out), named as nn.Conv1d's.
template <scalar T, std::size_t In, std::size_t Out, std::size_t K>
struct conv1d_params {
    tensor3<T, Out, In, K> weight;
    vec<T, Out> bias;

    static constexpr std::size_t count = Out * In * K + Out;

    template <class F, class... Ps>
    static constexpr void for_each_tensor(F&& f, Ps&... ps) {
        f(std::string_view{"weight"}, ps.weight...);
        f(std::string_view{"bias"}, ps.bias...);
    }
    friend constexpr bool operator==(const conv1d_params&, const conv1d_params&) noexcept = default;
};

/// conv1d's streaming layout (tg::inference_params): each tap's weights transposed, W[:, :, k]ᵀ (In×Out)
/// for k = 0 … K - 1, one after the other, so that a step adds each input's column of weights scaled by
/// it (simd::gemv_t_taps) instead of forming one dot product per output, and the newest input's columns
/// come last: the step waits for the previous layer only for them, with no horizontal sum after.
template <scalar T, std::size_t In, std::size_t Out, std::size_t K>
struct conv1d_stream_params {
    vec<T, K * In * Out> weight;  // tap k, input i: the Out weights at (k·In + i)·Out
    vec<T, Out> bias;
};

/// conv1d's streaming state: the last Span inputs (Span = (K - 1)·Dilation + 1) in a ring buffer that
/// is written twice, at slot s and s + Span, so that every input the step needs lies at a fixed distance
/// below the newest, without wrapping. Value-initialised or reset, the past is zero (the sequence's start).
template <scalar T, std::size_t In, std::size_t Span>
class conv1d_state {
public:
    void reset() noexcept { *this = conv1d_state{}; }

    /// Stores x as the newest input; returns where it is kept: the input `back` steps earlier is at
    /// that pointer minus back·In, for back < Span.
    TYPEGRAD_ALWAYS_INLINE const T* push(const vec<T, In>& x) noexcept {
        T* low = ring_ + next_ * In;
        const auto same = [](auto v) { return v; };  // simd copies: std::copy_n would call memmove
        simd::map<In>(x.data(), low, same);
        simd::map<In>(x.data(), low + Span * In, same);
        const T* newest = low + Span * In;
        next_ = next_ + 1 == Span ? 0 : next_ + 1;
        return newest;
    }

private:
    alignas(alignment) T ring_[2 * Span * In]{};
    std::size_t next_ = 0;  // the slot the next input goes to
};

template <std::size_t InCh, std::size_t OutCh, std::size_t Kernel, std::size_t Dilation = 1>
struct conv1d {
    static_assert(InCh > 0 && OutCh > 0 && Kernel > 0 && Dilation > 0,
                  "tg::conv1d<InCh, OutCh, Kernel, Dilation> needs every argument >= 1");
    static constexpr std::string_view name = "conv1d";

    static constexpr std::size_t in_size = InCh;
    static constexpr std::size_t out_size = OutCh;
    template <std::size_t>
    static constexpr std::size_t out_size_for = OutCh;
    /// The inputs one output sees: the current one and (Kernel - 1)·Dilation before it.
    static constexpr std::size_t span = (Kernel - 1) * Dilation + 1;
    /// How many steps before the current one tap k of the weight looks: tap Kernel - 1 sees the current input.
    static constexpr std::size_t lag(std::size_t k) noexcept { return (Kernel - 1 - k) * Dilation; }
    /// A window: the Kernel inputs an output sees, laid out as a row of the weight, [InCh][Kernel].
    static constexpr std::size_t window_size = InCh * Kernel;

    template <scalar T, std::size_t>
    using params_type = conv1d_params<T, InCh, OutCh, Kernel>;
    template <scalar T, std::size_t>
    using state_type = conv1d_state<T, InCh, span>;
    template <scalar T, std::size_t>
    using inference_params_type = conv1d_stream_params<T, InCh, OutCh, Kernel>;
    template <scalar T, std::size_t>
    using sequence_cache_type = no_sequence_cache;

    /// PyTorch's default: weight and bias uniform in ±1/√(InCh·Kernel).
    template <scalar T>
    static void init(params_type<T, InCh>& p, rng& r, init_scheme) {
        const double bound = 1.0 / std::sqrt(double(window_size));
        for (T& w : p.weight) w = static_cast<T>(r.uniform(-bound, bound));
        for (T& b : p.bias) b = static_cast<T>(r.uniform(-bound, bound));
    }

    /// A window's storage: window_size elements, rounded up to whole SIMD batches.
    template <scalar T>
    using window_type = vec<T, simd::interleaved_size<T, InCh, Kernel>>;

    /// One step, streaming: pushes x into the state's past and returns the output.
    template <scalar T>
    TYPEGRAD_ALWAYS_INLINE static vec<T, OutCh> step(const params_type<T, InCh>& p, const vec<T, InCh>& x,
                                                     state_type<T, InCh>& s) noexcept {
        const auto taps = push(x, s);
        vec<T, OutCh> y;
        simd::gemv_interleaved<OutCh, InCh, Kernel>(p.weight.data(), taps.data(), p.bias.data(), y.data(),
                                                    [](auto z) { return z; });
        return y;
    }

    /// p in conv1d_stream_params' layout.
    template <scalar T>
    static constexpr void prepare(const params_type<T, InCh>& p, conv1d_stream_params<T, InCh, OutCh, Kernel>& q) noexcept {
        for (std::size_t k = 0; k < Kernel; ++k)
            for (std::size_t i = 0; i < InCh; ++i)
                for (std::size_t o = 0; o < OutCh; ++o) q.weight[(k * InCh + i) * OutCh + o] = p.weight(o, i, k);
        q.bias = p.bias;
    }

    /// step from parameters prepared by tg::inference_params: the same result up to rounding.
    template <scalar T>
    TYPEGRAD_ALWAYS_INLINE static vec<T, OutCh> step(const conv1d_stream_params<T, InCh, OutCh, Kernel>& q,
                                                     const vec<T, InCh>& x, state_type<T, InCh>& s) noexcept {
        const auto taps = push(x, s);
        vec<T, OutCh> y;
        simd::gemv_t_taps<Kernel, InCh, OutCh>(q.weight.data(), taps.data(), q.bias.data(), y.data(),
                                               [](auto z) { return z; });
        return y;
    }

    /// The window of step t of a whole sequence x.
    template <scalar T>
    static window_type<T> window_at(const rows<T, InCh>& x, std::size_t t) noexcept {
        static constexpr vec<T, InCh> before_start{};
        const T* taps[Kernel];
        for (std::size_t k = 0; k < Kernel; ++k)
            taps[k] = t >= lag(k) ? x.row(t - lag(k)) : before_start.data();
        window_type<T> window;
        simd::interleave<InCh, Kernel>(taps, window.data());
        return window;
    }

    template <scalar T>
    static void forward_sequence(const params_type<T, InCh>& p, std::size_t steps, const rows<T, InCh>& x,
                                 rows<T, OutCh>& y, no_sequence_cache&) {
        detail::check_steps(name, "forward_sequence", steps, std::pair{"x", x.capacity()}, std::pair{"y", y.capacity()});
        for (std::size_t t = 0; t < steps; ++t) {
            const auto window = window_at(x, t);
            simd::gemv<OutCh, window_size>(p.weight.data(), window.data(), p.bias.data(), y.row(t));
        }
    }

    /// ∂L/∂W += Σ_t g_t·window_tᵀ, ∂L/∂b += Σ_t g_t, and each step's Wᵀ·g_t, a window's gradient, added
    /// back onto the inputs that window holds.
    template <scalar T>
    static void backward_sequence(const params_type<T, InCh>& p, std::size_t steps, const rows<T, InCh>& x,
                                  const rows<T, OutCh>&, const no_sequence_cache&, const rows<T, OutCh>& grad_y,
                                  rows<T, InCh>* grad_x, params_type<T, InCh>& grad) {
        detail::check_steps(name, "backward_sequence", steps, std::pair{"x", x.capacity()},
                            std::pair{"grad_y", grad_y.capacity()}, std::pair{"grad_x", grad_x ? grad_x->capacity() : steps});
        if (grad_x) std::fill_n(grad_x->data(), steps * InCh, T{});
        for (std::size_t t = 0; t < steps; ++t) {
            const T* g = grad_y.row(t);
            const auto window = window_at(x, t);
            simd::outer_acc<OutCh, window_size>(g, window.data(), grad.weight.data());
            simd::axpy<OutCh>(T{1}, g, grad.bias.data());
            if (!grad_x) continue;
            vec<T, window_size> grad_window;
            simd::gemv_t<OutCh, window_size>(p.weight.data(), g, grad_window.data());
            for (std::size_t k = 0; k < Kernel; ++k) {
                if (lag(k) > t) continue;
                T* gx = grad_x->row(t - lag(k));
                for (std::size_t i = 0; i < InCh; ++i) gx[i] += grad_window[i * Kernel + k];
            }
        }
    }

private:
    /// A streaming step's start, whatever the layout of the weights: pushes x into the state's past and
    /// returns the inputs the taps see, oldest first. The last is x itself, the same values as the newest
    /// input in the state, so that the step does not wait for the store.
    template <scalar T>
    TYPEGRAD_ALWAYS_INLINE static std::array<const T*, Kernel> push(const vec<T, InCh>& x,
                                                                    state_type<T, InCh>& s) noexcept {
        const T* newest = s.push(x);
        std::array<const T*, Kernel> taps;
        for (std::size_t k = 0; k + 1 < Kernel; ++k) taps[k] = newest - lag(k) * InCh;
        taps[Kernel - 1] = x.data();
        return taps;
    }
};

}  // namespace typegrad
