// tg::lstm<In, Hidden>: PyTorch's nn.LSTM (one layer, batch_first, h0 = c0 = 0), a tg::sequence_layer.
// Per step, z = W_ih·x + b_ih + W_hh·h + b_hh stacks the gates i, f, g, o (Hidden rows each);
// i, f, o = σ(z), g = tanh(z), c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'), and the output is h'.
// Backward through time keeps each step's gates and cell; h at step t − 1 is the output row t − 1.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/recurrent.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

/// lstm's streaming state: the hidden state h and the cell c, zero at the start of a sequence.
template <scalar T, std::size_t Hidden>
struct lstm_state {
    vec<T, Hidden> h, c;
    constexpr void reset() noexcept { h = {}, c = {}; }
};

/// What lstm's backward through time needs of each step t < max_steps: the gates after their
/// activations (i, f, g, o) and the cell c.
template <scalar T, std::size_t Hidden>
struct lstm_sequence_cache {
    explicit lstm_sequence_cache(std::size_t max_steps) : gates(max_steps), cells(max_steps) {}
    std::size_t capacity() const noexcept { return cells.capacity(); }
    rows<T, 4 * Hidden> gates;
    rows<T, Hidden> cells;
};

template <std::size_t In, std::size_t Hidden>
struct lstm : detail::recurrent_layer<In, Hidden, 4> {
    static constexpr std::string_view name = "lstm";
    static_assert(In > 0 && Hidden > 0, "tg::lstm<In, Hidden> needs In >= 1 and Hidden >= 1");

    template <scalar T, std::size_t>
    using state_type = lstm_state<T, Hidden>;
    template <scalar T, std::size_t>
    using sequence_cache_type = lstm_sequence_cache<T, Hidden>;

    /// One step from (h, c), streaming: the state becomes the step's (h', c') and h' is returned.
    template <scalar T>
    static vec<T, Hidden> step(const recurrent_params<T, In, Hidden, 4>& p, const vec<T, In>& x,
                               lstm_state<T, Hidden>& s) noexcept {
        vec<T, Hidden> h;
        cell_step<false>(p, x.data(), s.h.data(), s.c.data(), static_cast<T*>(nullptr), s.c.data(), h.data());
        detail::copy<Hidden>(h.data(), s.h.data());
        return h;
    }

    /// step from parameters prepared by tg::inference_params: the same result up to rounding, each
    /// block's gates computed right after its products (see recurrent_stream_params).
    template <scalar T>
    static vec<T, Hidden> step(const recurrent_stream_params<T, In, Hidden, 4>& q, const vec<T, In>& x,
                               lstm_state<T, Hidden>& s) noexcept {
        vec<T, Hidden> h;
        detail::for_hidden_blocks(q, s.h.data(), [&](std::size_t k, auto lanes, auto zh) TYPEGRAD_ALWAYS_INLINE {
            cell_units<false>(q, k, lanes, x.data(), s.c.data(), zh, static_cast<T*>(nullptr), s.c.data(), h.data());
        });
        detail::copy<Hidden>(h.data(), s.h.data());
        return h;
    }

    /// y's row t = h at step t, for t < steps, from the zero state; the cache keeps what backward needs.
    template <scalar T>
    static void forward_sequence(const recurrent_params<T, In, Hidden, 4>& p, std::size_t steps, const rows<T, In>& x,
                                 rows<T, Hidden>& y, lstm_sequence_cache<T, Hidden>& cache) {
        detail::check_steps(name, "forward_sequence", steps, std::pair{"x", x.capacity()}, std::pair{"y", y.capacity()},
                            std::pair{"the cache", cache.capacity()});
        const vec<T, Hidden> zero{};
        for (std::size_t t = 0; t < steps; ++t) {
            const T* h = t ? y.row(t - 1) : zero.data();
            const T* c = t ? cache.cells.row(t - 1) : zero.data();
            cell_step<true>(p, x.row(t), h, c, cache.gates.row(t), cache.cells.row(t), y.row(t));
        }
    }

    /// Backward through time from the last step to the first: given grad_y's row t = ∂L/∂h_t, adds
    /// ∂L/∂params into grad and writes ∂L/∂x_t into grad_x's row t (unless grad_x is null).
    template <scalar T>
    static void backward_sequence(const recurrent_params<T, In, Hidden, 4>& p, std::size_t steps, const rows<T, In>& x,
                                  const rows<T, Hidden>& y, const lstm_sequence_cache<T, Hidden>& cache,
                                  const rows<T, Hidden>& grad_y, std::type_identity_t<rows<T, In>>* grad_x,
                                  recurrent_params<T, In, Hidden, 4>& grad) {
        detail::check_steps(name, "backward_sequence", steps, std::pair{"x", x.capacity()}, std::pair{"y", y.capacity()},
                            std::pair{"the cache", cache.capacity()}, std::pair{"grad_y", grad_y.capacity()},
                            std::pair{"grad_x", grad_x ? grad_x->capacity() : steps});
        constexpr std::size_t H = Hidden;
        const vec<T, H> zero{};
        vec<T, H> dh, dc;        // ∂L/∂h_t and ∂L/∂c_t carried back from step t + 1
        vec<T, 4 * H> dz, dbias;  // ∂L/∂z at step t, and its sum over the steps
        for (std::size_t t = steps; t-- > 0;) {
            const T* g = cache.gates.row(t);
            const T* c = cache.cells.row(t);
            const T* c_prev = t ? cache.cells.row(t - 1) : zero.data();
            const T* dy = grad_y.row(t);
            detail::for_batches<H, T>([&](std::size_t k, auto lanes) TYPEGRAD_ALWAYS_INLINE {
                constexpr std::size_t m = lanes;
                using B = simd::batch<T>;
                const B i = simd::load_part<m>(g + k), f = simd::load_part<m>(g + H + k), gg = simd::load_part<m>(g + 2 * H + k),
                        o = simd::load_part<m>(g + 3 * H + k);
                const B tc = detail::gate_tanh(simd::load_part<m>(c + k));
                const B dhk = simd::load_part<m>(dy + k) + simd::load_part<m>(dh.data() + k);
                const B dck = xsimd::fma(dhk * o, B(1) - tc * tc, simd::load_part<m>(dc.data() + k));
                simd::store_part<m>(dz.data() + k, dck * gg * i * (B(1) - i));
                simd::store_part<m>(dz.data() + H + k, dck * simd::load_part<m>(c_prev + k) * f * (B(1) - f));
                simd::store_part<m>(dz.data() + 2 * H + k, dck * i * (B(1) - gg * gg));
                simd::store_part<m>(dz.data() + 3 * H + k, dhk * tc * o * (B(1) - o));
                simd::store_part<m>(dc.data() + k, dck * f);
            });
            simd::axpy<4 * H>(T{1}, dz.data(), dbias.data());
            simd::outer_acc<4 * H, In>(dz.data(), x.row(t), grad.W_ih.data());
            if (t) simd::outer_acc_panels<H, 4 * H>(y.row(t - 1), dz.data(), grad.W_hh.data());
            if (grad_x) simd::gemv_t<4 * H, In>(p.W_ih.data(), dz.data(), grad_x->row(t));
            simd::gemv_panels<H, 4 * H>(p.W_hh.data(), dz.data(), dh.data());
        }
        simd::axpy<4 * H>(T{1}, dbias.data(), grad.b_ih.data());
        simd::axpy<4 * H>(T{1}, dbias.data(), grad.b_hh.data());
    }

private:
    /// One step from h and c: c' to c_out and h' to h_out (which may be c and h), and with Keep the
    /// gates after their activations to `gates`. W_hh·h + b_hh first, over W_hh's panels; then the units' gates
    /// a batch at a time.
    template <bool Keep, scalar T>
    TYPEGRAD_ALWAYS_INLINE static void cell_step(const recurrent_params<T, In, Hidden, 4>& p, const T* x, const T* h,
                                                 const T* c, T* gates, T* c_out, T* h_out) noexcept {
        alignas(64) T zh[4 * Hidden];
        simd::gemv_t_panels<Hidden, 4 * Hidden>(p.W_hh.data(), h, p.b_hh.data(), zh);
        detail::for_batches<Hidden, T>([&](std::size_t k, auto lanes) TYPEGRAD_ALWAYS_INLINE {
            cell_units<Keep>(p, k, lanes, x, c, [&](std::size_t gate) TYPEGRAD_ALWAYS_INLINE {
                return simd::load_part<lanes>(zh + gate * Hidden + k);
            }, gates, c_out, h_out);
        });
    }

    /// Units k … k + lanes − 1 of a step, given their sums W_hh·h + b_hh of each gate, zh(gate): the gates'
    /// input rows and activations, c' and h' (and with Keep the gates). P is recurrent_params or
    /// recurrent_stream_params.
    template <bool Keep, class P, scalar T, class Lanes, class Zh>
    TYPEGRAD_ALWAYS_INLINE static void cell_units(const P& p, std::size_t k, Lanes, const T* x, const T* c, Zh zh,
                                                  T* gates, T* c_out, T* h_out) noexcept {
        constexpr std::size_t H = Hidden, m = Lanes::value;
        using B = simd::batch<T>;
        const auto z = [&](std::size_t gate) TYPEGRAD_ALWAYS_INLINE {
            return detail::input_rows<m>(p, gate * H + k, x) + zh(gate);
        };
        const B i = detail::logistic(z(0)), f = detail::logistic(z(1)), g = detail::gate_tanh(z(2)),
                o = detail::logistic(z(3));
        const B c_new = xsimd::fma(f, simd::load_part<m>(c + k), i * g);
        if constexpr (Keep) {
            simd::store_part<m>(gates + k, i);
            simd::store_part<m>(gates + H + k, f);
            simd::store_part<m>(gates + 2 * H + k, g);
            simd::store_part<m>(gates + 3 * H + k, o);
        }
        simd::store_part<m>(c_out + k, c_new);
        simd::store_part<m>(h_out + k, o * detail::gate_tanh(c_new));
    }
};

}  // namespace typegrad
