// tg::dropout<KeepPercent>: inverted dropout. In training mode each output is the input times
// 100 / KeepPercent with probability KeepPercent / 100, and 0 otherwise; backward multiplies by the
// same mask. At inference it is the identity, so the expected output is the same in both modes.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

/// What the per-sample forward keeps: the mask it applied, and the generator it draws masks from.
/// A workspace starts each dropout layer's generator from a seed of its own (tg::draws_randomly), the
/// same in every workspace, so a fresh workspace always draws the same masks; keep one workspace
/// across samples for fresh masks, or seed each dropout layer apart, the network's dropout layer d
/// (the d-th in layer order) with `get<I>(ws).generator = tg::rng{tg::draw_key(seed, d)}`.
template <scalar T, std::size_t N>
struct dropout_cache {
    vec<T, N> mask;  // 0 or 100 / KeepPercent; all 1 after an inference pass
    rng generator{seed};
    static constexpr std::uint64_t seed = 0x5EED;  // the first dropout layer's; draw d's is tg::draw_key(seed, d)
};

/// What the batch forward keeps: every row's mask, and whether it applied them.
template <scalar T, std::size_t N>
struct dropout_state {
    explicit dropout_state(std::size_t capacity) : mask(capacity) {}
    rows<T, N> mask;
    bool training = false;
};

template <int KeepPercent>
struct dropout : parameter_free_layer<dropout_cache> {
    static constexpr std::string_view name = "dropout";
    static constexpr std::size_t draws = 1;  // one mask per sample
    static_assert(KeepPercent > 0 && KeepPercent <= 100,
                  "tg::dropout<KeepPercent> keeps KeepPercent outputs in 100: expected 0 < KeepPercent <= 100");

    template <scalar T, std::size_t In>
    using batch_state_type = dropout_state<T, In>;

    /// Fills mask[0, N) from r: each entry is kept (100 / KeepPercent) when a 32-bit draw falls
    /// below KeepPercent / 100 · 2³², else 0. Two entries per 64-bit draw.
    template <std::size_t N, scalar T>
    static constexpr void draw_mask(rng& r, T* mask) noexcept {
        constexpr std::uint64_t threshold = (std::uint64_t{KeepPercent} << 32) / 100;
        const T scale = T(100) / T(KeepPercent);
        for (std::size_t i = 0; i < N; i += 2) {
            const std::uint64_t bits = r.next();
            mask[i] = (bits & 0xFFFF'FFFFu) < threshold ? scale : T(0);
            if (i + 1 < N) mask[i + 1] = (bits >> 32) < threshold ? scale : T(0);
        }
    }

    /// The generator of the mask of row `row` of the whole mini-batch whose key is `key`: a function
    /// of the two alone, so a row's mask does not depend on how threads split the batch.
    static constexpr rng row_generator(std::uint64_t key, std::size_t row) noexcept {
        rng mix{key ^ (0x9E3779B97F4A7C15ull * (std::uint64_t{row} + 1))};
        return rng{mix.next()};
    }

    /// Starts the per-sample generator at the network's draw first_draw.
    template <scalar T, std::size_t N>
    static constexpr void seed(dropout_cache<T, N>& cache, std::size_t first_draw) noexcept {
        cache.generator = rng{draw_key(dropout_cache<T, N>::seed, first_draw)};
    }

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> forward(const no_params&, const vec<T, N>& x, dropout_cache<T, N>& cache,
                                       mode m) noexcept {
        if (m == mode::inference) {
            std::fill_n(cache.mask.data(), N, T(1));
            return x;
        }
        draw_mask<N>(cache.generator, cache.mask.data());
        vec<T, N> y;
        simd::map<N>(x.data(), cache.mask.data(), y.data(), [](auto v, auto k) { return v * k; });
        return y;
    }

    template <scalar T, std::size_t N>
    static constexpr vec<T, N> backward(const no_params&, const dropout_cache<T, N>& cache, const vec<T, N>& grad_out,
                                        no_params&) noexcept {
        vec<T, N> grad_in;
        simd::map<N>(grad_out.data(), cache.mask.data(), grad_in.data(), [](auto g, auto k) { return g * k; });
        return grad_in;
    }

    template <scalar T, std::size_t N>
    static void forward_batch(const no_params&, std::size_t n, const rows<T, N>& x, rows<T, N>& y,
                              dropout_state<T, N>& state, const batch_info& info) noexcept {
        state.training = info.m == mode::training;
        if (!state.training) {
            std::copy_n(x.data(), n * N, y.data());
            return;
        }
        const std::uint64_t key = draw_key(info.key, info.first_draw);
        for (std::size_t r = 0; r < n; ++r) {
            rng generator = row_generator(key, info.first_row + r);
            draw_mask<N>(generator, state.mask.row(r));
            simd::map<N>(x.row(r), state.mask.row(r), y.row(r), [](auto v, auto k) { return v * k; });
        }
    }

    template <scalar T, std::size_t N>
    static void backward_batch(const no_params&, std::size_t n, const rows<T, N>&, const rows<T, N>&,
                               const rows<T, N>& grad_y, rows<T, N>* grad_x, dropout_state<T, N>& state,
                               no_params&) noexcept {
        if (!grad_x) return;
        if (!state.training) {
            std::copy_n(grad_y.data(), n * N, grad_x->data());
            return;
        }
        for (std::size_t r = 0; r < n; ++r)
            simd::map<N>(grad_y.row(r), state.mask.row(r), grad_x->row(r), [](auto g, auto k) { return g * k; });
    }
};

}  // namespace typegrad
