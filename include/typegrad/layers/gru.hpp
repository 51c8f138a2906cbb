// tg::gru<In, Hidden>: PyTorch's nn.GRU (one layer, batch_first, h0 = 0), a tg::sequence_layer.
// Per step, a = W_ih·x + b_ih and b = W_hh·h + b_hh stack the gates r, z, n (Hidden rows each);
// r = σ(a_r + b_r), z = σ(a_z + b_z), n = tanh(a_n + r ⊙ b_n), h' = (1 − z) ⊙ n + z ⊙ h, the output.
// Backward through time keeps each step's r, z, n and b_n; h at step t − 1 is the output row t − 1.
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

/// gru's streaming state: the hidden state h, zero at the start of a sequence.
template <scalar T, std::size_t Hidden>
struct gru_state {
    vec<T, Hidden> h;
    constexpr void reset() noexcept { h = {}; }
};

/// What gru's backward through time needs of each step t < max_steps: r, z, n and W_hn·h + b_hn.
template <scalar T, std::size_t Hidden>
struct gru_sequence_cache {
    explicit gru_sequence_cache(std::size_t max_steps) : gates(max_steps) {}
    std::size_t capacity() const noexcept { return gates.capacity(); }
    rows<T, 4 * Hidden> gates;
};

template <std::size_t In, std::size_t Hidden>
struct gru : detail::recurrent_layer<In, Hidden, 3> {
    static constexpr std::string_view name = "gru";
    static_assert(In > 0 && Hidden > 0, "tg::gru<In, Hidden> needs In >= 1 and Hidden >= 1");

    template <scalar T, std::size_t>
    using state_type = gru_state<T, Hidden>;
    template <scalar T, std::size_t>
    using sequence_cache_type = gru_sequence_cache<T, Hidden>;

    /// One step from h, streaming: the state becomes the step's h', which is returned.
    template <scalar T>
    static vec<T, Hidden> step(const recurrent_params<T, In, Hidden, 3>& p, const vec<T, In>& x,
                               gru_state<T, Hidden>& s) noexcept {
        vec<T, Hidden> h;
        cell_step<false>(p, x.data(), s.h.data(), static_cast<T*>(nullptr), h.data());
        detail::copy<Hidden>(h.data(), s.h.data());
        return h;
    }

    /// step from parameters prepared by tg::inference_params: the same result up to rounding, each
    /// block's gates computed right after its products (see recurrent_stream_params).
    template <scalar T>
    static vec<T, Hidden> step(const recurrent_stream_params<T, In, Hidden, 3>& q, const vec<T, In>& x,
                               gru_state<T, Hidden>& s) noexcept {
        vec<T, Hidden> h;
        detail::for_hidden_blocks(q, s.h.data(), [&](std::size_t k, auto lanes, auto b) TYPEGRAD_ALWAYS_INLINE {
            cell_units<false>(q, k, lanes, x.data(), s.h.data(), b, static_cast<T*>(nullptr), h.data());
        });
        detail::copy<Hidden>(h.data(), s.h.data());
        return h;
    }

    /// y's row t = h at step t, for t < steps, from the zero state; the cache keeps what backward needs.
    template <scalar T>
    static void forward_sequence(const recurrent_params<T, In, Hidden, 3>& p, std::size_t steps, const rows<T, In>& x,
                                 rows<T, Hidden>& y, gru_sequence_cache<T, Hidden>& cache) {
        detail::check_steps(name, "forward_sequence", steps, std::pair{"x", x.capacity()}, std::pair{"y", y.capacity()},
                            std::pair{"the cache", cache.capacity()});
        const vec<T, Hidden> zero{};
        for (std::size_t t = 0; t < steps; ++t)
            cell_step<true>(p, x.row(t), t ? y.row(t - 1) : zero.data(), cache.gates.row(t), y.row(t));
    }

    /// Backward through time from the last step to the first: given grad_y's row t = ∂L/∂h_t, adds
    /// ∂L/∂params into grad and writes ∂L/∂x_t into grad_x's row t (unless grad_x is null).
    template <scalar T>
    static void backward_sequence(const recurrent_params<T, In, Hidden, 3>& p, std::size_t steps, const rows<T, In>& x,
                                  const rows<T, Hidden>& y, const gru_sequence_cache<T, Hidden>& cache,
                                  const rows<T, Hidden>& grad_y, std::type_identity_t<rows<T, In>>* grad_x,
                                  recurrent_params<T, In, Hidden, 3>& grad) {
        detail::check_steps(name, "backward_sequence", steps, std::pair{"x", x.capacity()}, std::pair{"y", y.capacity()},
                            std::pair{"the cache", cache.capacity()}, std::pair{"grad_y", grad_y.capacity()},
                            std::pair{"grad_x", grad_x ? grad_x->capacity() : steps});
        constexpr std::size_t H = Hidden;
        const vec<T, H> zero{};
        vec<T, H> dh, dh_direct;       // ∂L/∂h_t through W_hh from step t + 1, and through z ⊙ h
        vec<T, 3 * H> da, db;           // ∂L/∂a and ∂L/∂b at step t (they differ in the n block)
        vec<T, 3 * H> da_sum, db_sum;   // their sums over the steps: the bias gradients
        for (std::size_t t = steps; t-- > 0;) {
            const T* g = cache.gates.row(t);
            const T* h_prev = t ? y.row(t - 1) : zero.data();
            const T* dy = grad_y.row(t);
            detail::for_batches<H, T>([&](std::size_t k, auto lanes) TYPEGRAD_ALWAYS_INLINE {
                constexpr std::size_t m = lanes;
                using B = simd::batch<T>;
                const B r = simd::load_part<m>(g + k), z = simd::load_part<m>(g + H + k), n = simd::load_part<m>(g + 2 * H + k),
                        bn = simd::load_part<m>(g + 3 * H + k);
                const B dhk = simd::load_part<m>(dy + k) + simd::load_part<m>(dh.data() + k) + simd::load_part<m>(dh_direct.data() + k);
                const B dn = dhk * (B(1) - z) * (B(1) - n * n);  // ∂L/∂(a_n + r ⊙ b_n)
                const B dr = dn * bn * r * (B(1) - r);
                const B dz = dhk * (simd::load_part<m>(h_prev + k) - n) * z * (B(1) - z);
                simd::store_part<m>(da.data() + k, dr);
                simd::store_part<m>(da.data() + H + k, dz);
                simd::store_part<m>(da.data() + 2 * H + k, dn);
                simd::store_part<m>(db.data() + k, dr);
                simd::store_part<m>(db.data() + H + k, dz);
                simd::store_part<m>(db.data() + 2 * H + k, dn * r);
                simd::store_part<m>(dh_direct.data() + k, dhk * z);
            });
            simd::axpy<3 * H>(T{1}, da.data(), da_sum.data());
            simd::axpy<3 * H>(T{1}, db.data(), db_sum.data());
            simd::outer_acc<3 * H, In>(da.data(), x.row(t), grad.W_ih.data());
            if (t) simd::outer_acc_panels<H, 3 * H>(h_prev, db.data(), grad.W_hh.data());
            if (grad_x) simd::gemv_t<3 * H, In>(p.W_ih.data(), da.data(), grad_x->row(t));
            simd::gemv_panels<H, 3 * H>(p.W_hh.data(), db.data(), dh.data());
        }
        simd::axpy<3 * H>(T{1}, da_sum.data(), grad.b_ih.data());
        simd::axpy<3 * H>(T{1}, db_sum.data(), grad.b_hh.data());
    }

private:
    /// One step from h: h' to h_out (which may be h) and with Keep r, z, n and b_n to `gates`.
    /// b = W_hh·h + b_hh first, over W_hh's panels; then the units' gates a batch at a time.
    template <bool Keep, scalar T>
    TYPEGRAD_ALWAYS_INLINE static void cell_step(const recurrent_params<T, In, Hidden, 3>& p, const T* x, const T* h,
                                                 T* gates, T* h_out) noexcept {
        alignas(64) T b[3 * Hidden];
        simd::gemv_t_panels<Hidden, 3 * Hidden>(p.W_hh.data(), h, p.b_hh.data(), b);
        detail::for_batches<Hidden, T>([&](std::size_t k, auto lanes) TYPEGRAD_ALWAYS_INLINE {
            cell_units<Keep>(p, k, lanes, x, h, [&](std::size_t gate) TYPEGRAD_ALWAYS_INLINE {
                return simd::load_part<lanes>(b + gate * Hidden + k);
            }, gates, h_out);
        });
    }

    /// Units k … k + lanes − 1 of a step, given their sums W_hh·h + b_hh of each gate, b(gate): the
    /// gates' input rows a, their activations and h' (and with Keep r, z, n and b_n). P is
    /// recurrent_params or recurrent_stream_params.
    template <bool Keep, class P, scalar T, class Lanes, class Bh>
    TYPEGRAD_ALWAYS_INLINE static void cell_units(const P& p, std::size_t k, Lanes, const T* x, const T* h, Bh b,
                                                  T* gates, T* h_out) noexcept {
        constexpr std::size_t H = Hidden, m = Lanes::value;
        using B = simd::batch<T>;
        const B r = detail::logistic(detail::input_rows<m>(p, k, x) + b(0));
        const B z = detail::logistic(detail::input_rows<m>(p, H + k, x) + b(1));
        const B bn = b(2);
        const B n = detail::gate_tanh(xsimd::fma(r, bn, detail::input_rows<m>(p, 2 * H + k, x)));
        if constexpr (Keep) {
            simd::store_part<m>(gates + k, r);
            simd::store_part<m>(gates + H + k, z);
            simd::store_part<m>(gates + 2 * H + k, n);
            simd::store_part<m>(gates + 3 * H + k, bn);
        }
        simd::store_part<m>(h_out + k, xsimd::fma(z, simd::load_part<m>(h + k) - n, n));
    }
};

}  // namespace typegrad
