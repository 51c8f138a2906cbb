// What tg::lstm and tg::gru share: PyTorch's parameter layout (Gates stacked blocks of Hidden rows in
// weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0) and its init, the streaming layout and its
// products (both layers derive from detail::recurrent_layer), the gates' elementwise loop over SIMD
// batches.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <typegrad/core/error.hpp>
#include <typegrad/core/mat.hpp>
#include <typegrad/core/panel_mat.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/detail/math.hpp>
#include <typegrad/layers/detail/steps.hpp>
#include <typegrad/layers/init.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

/// The parameters of a one-layer recurrent layer as PyTorch's nn.LSTM (Gates = 4: i, f, g, o) and
/// nn.GRU (Gates = 3: r, z, n) keep them: gate k's rows are k·Hidden … (k + 1)·Hidden − 1. W_hh is a
/// tg::panel_mat, as a dense layer's W: W_hh·h then sums W_hh's columns scaled by h, with no horizontal
/// sum (simd::gemv_t_panels); indexing, saving and loading see PyTorch's row-major matrix.
template <scalar T, std::size_t In, std::size_t Hidden, std::size_t Gates>
struct recurrent_params {
    static constexpr std::size_t rows = Gates * Hidden;
    mat<T, rows, In> W_ih;
    panel_mat<T, rows, Hidden> W_hh;
    vec<T, rows> b_ih, b_hh;

    static constexpr std::size_t count = rows * (In + Hidden + 2);

    /// Calls f(name, tensor of each of ps...) under PyTorch's state_dict names.
    template <class F, class... Ps>
    static constexpr void for_each_tensor(F&& f, Ps&... ps) {
        f(std::string_view{"weight_ih_l0"}, ps.W_ih...);
        f(std::string_view{"weight_hh_l0"}, ps.W_hh...);
        f(std::string_view{"bias_ih_l0"}, ps.b_ih...);
        f(std::string_view{"bias_hh_l0"}, ps.b_hh...);
    }
    friend constexpr bool operator==(const recurrent_params&, const recurrent_params&) noexcept = default;
};

/// recurrent_params as tg::inference_params keeps them for streaming (tg::stream::step from them):
/// W_ih and b_ih as they are, and W_hh transposed, in blocks of hidden units. Block j holds, for
/// each column c of W_hh, the rows of the block's units in every gate, contiguous: gate k's units at
/// k·block_units (units past Hidden are zero). A step then forms W_hh·h + b_hh a block at a time as a
/// sum of W_hh's columns scaled by h, each gate's units held in registers, with no horizontal sum; and
/// the block's gates run while the next block's products do.
template <scalar T, std::size_t In, std::size_t Hidden, std::size_t Gates>
struct recurrent_stream_params {
    static constexpr std::size_t width = simd::width<T>;
    static constexpr std::size_t block_batches = 9 / Gates;  // the block's gates in at most nine registers
    static constexpr std::size_t block_units = block_batches * width;
    static constexpr std::size_t blocks = (Hidden + block_units - 1) / block_units;
    static constexpr std::size_t column = Gates * block_units;  // one column of W_hh within a block

    mat<T, Gates * Hidden, In> W_ih;
    vec<T, Gates * Hidden> b_ih;
    vec<T, blocks * Hidden * column> W_hh;  // block j, column c at (j·Hidden + c)·column
    vec<T, blocks * column> b_hh;           // block j at j·column
};

namespace detail {

/// W_hh·h + b_hh from q, a block of hidden units at a time: after each block's products, calls
/// f(first, lanes, z) for each batch of its units (first … first + lanes − 1, lanes an
/// integral_constant), z(k) the batch's sums for gate k.
template <scalar T, std::size_t In, std::size_t Hidden, std::size_t Gates, class F>
TYPEGRAD_ALWAYS_INLINE inline void for_hidden_blocks(const recurrent_stream_params<T, In, Hidden, Gates>& q, const T* h,
                                                     F&& f) noexcept {
    using Q = recurrent_stream_params<T, In, Hidden, Gates>;
    using B = simd::batch<T>;
    constexpr std::size_t w = Q::width, stride = Q::column;
    simd::unroll<Q::blocks>([&](auto block) TYPEGRAD_ALWAYS_INLINE {
        constexpr std::size_t first = block * Q::block_units;
        constexpr std::size_t units = std::min(Q::block_units, Hidden - first), n = (units + w - 1) / w;
        const T* W = q.W_hh.data() + block * Hidden * stride;
        const T* b = q.b_hh.data() + block * stride;
        // At least eight accumulators in flight to cover the FMA latency: the columns are split over
        // `chains` interleaved sums when the block's gates have fewer batches than that.
        constexpr std::size_t chains = std::min<std::size_t>((8 + Gates * n - 1) / (Gates * n), Hidden);
        B acc[chains][Gates][n];
        const auto each = [](auto&& f) TYPEGRAD_ALWAYS_INLINE {
            simd::unroll<Gates>([&](auto k) TYPEGRAD_ALWAYS_INLINE {
                simd::unroll<n>([&](auto i) TYPEGRAD_ALWAYS_INLINE { f(k, i); });
            });
        };
        each([&](auto k, auto i) TYPEGRAD_ALWAYS_INLINE {
            acc[0][k][i] = B::load_aligned(b + k * Q::block_units + i * w);
            simd::unroll<chains - 1>([&](auto s) TYPEGRAD_ALWAYS_INLINE { acc[s + 1][k][i] = B(T{}); });
        });
        const auto add_column = [&](std::size_t c, auto s) TYPEGRAD_ALWAYS_INLINE {
            const B hc(h[c]);
            each([&](auto k, auto i) TYPEGRAD_ALWAYS_INLINE {
                const B column = B::load_aligned(W + c * stride + k * Q::block_units + i * w);
                acc[s][k][i] = xsimd::fma(hc, column, acc[s][k][i]);
            });
        };
        std::size_t c = 0;
        for (; c + chains <= Hidden; c += chains)
            simd::unroll<chains>([&](auto s) TYPEGRAD_ALWAYS_INLINE { add_column(c + s, s); });
        simd::unroll<Hidden % chains>([&](auto s) TYPEGRAD_ALWAYS_INLINE { add_column(c + s, s); });
        each([&](auto k, auto i) TYPEGRAD_ALWAYS_INLINE {
            simd::unroll<chains - 1>([&](auto s) TYPEGRAD_ALWAYS_INLINE { acc[0][k][i] += acc[s + 1][k][i]; });
        });
        simd::unroll<n>([&](auto i) TYPEGRAD_ALWAYS_INLINE {
            constexpr std::size_t at = first + i * w;
            f(at, std::integral_constant<std::size_t, std::min(w, Hidden - at)>{},
              [&](std::size_t k) TYPEGRAD_ALWAYS_INLINE { return acc[0][k][i]; });
        });
    });
}

/// What tg::lstm (Gates = 4: i, f, g, o) and tg::gru (Gates = 3: r, z, n) declare alike: the sizes,
/// PyTorch's parameters and init, and the layout tg::inference_params keeps for streaming.
template <std::size_t In, std::size_t Hidden, std::size_t Gates>
struct recurrent_layer {
    static constexpr std::size_t in_size = In;
    template <std::size_t>
    static constexpr std::size_t out_size_for = Hidden;
    template <scalar T, std::size_t>
    using params_type = recurrent_params<T, In, Hidden, Gates>;
    template <scalar T, std::size_t>
    using inference_params_type = recurrent_stream_params<T, In, Hidden, Gates>;

    /// PyTorch's init: every weight and bias uniform in ±1/√Hidden, whatever the scheme. Drawn in
    /// PyTorch's order, the matrices row by row, whatever their storage.
    template <scalar T>
    static void init(recurrent_params<T, In, Hidden, Gates>& p, rng& r, init_scheme) {
        const double limit = 1.0 / std::sqrt(double(Hidden));
        const auto draw = [&] { return static_cast<T>(r.uniform(-limit, limit)); };
        recurrent_params<T, In, Hidden, Gates>::for_each_tensor(
            [&](std::string_view, auto& tensor) {
                if constexpr (requires { tensor(0, 0); }) {
                    for (std::size_t row = 0; row < tensor.rows(); ++row)
                        for (std::size_t c = 0; c < tensor.cols(); ++c) tensor(row, c) = draw();
                } else {
                    for (T& w : tensor) w = draw();
                }
            },
            p);
    }

    /// p in recurrent_stream_params' layout.
    template <scalar T>
    static constexpr void prepare(const recurrent_params<T, In, Hidden, Gates>& p,
                                  recurrent_stream_params<T, In, Hidden, Gates>& q) noexcept {
        using Q = recurrent_stream_params<T, In, Hidden, Gates>;
        q.W_ih = p.W_ih;
        q.b_ih = p.b_ih;
        q.W_hh = {};
        q.b_hh = {};
        for (std::size_t k = 0; k < Gates; ++k)
            for (std::size_t u = 0; u < Hidden; ++u) {
                const std::size_t block = u / Q::block_units, at = k * Q::block_units + u % Q::block_units;
                q.b_hh[block * Q::column + at] = p.b_hh[k * Hidden + u];
                for (std::size_t c = 0; c < Hidden; ++c)
                    q.W_hh[(block * Hidden + c) * Q::column + at] = p.W_hh(k * Hidden + u, c);
            }
    }
};

/// Calls f(i, lanes) for i = 0, w, 2w, … over N elements (w the SIMD width), lanes an
/// integral_constant: w, then N % w for the last, partial batch.
template <std::size_t N, scalar T, class F>
TYPEGRAD_ALWAYS_INLINE inline void for_batches(F&& f) {
    constexpr std::size_t w = simd::width<T>;
    std::size_t i = 0;
    for (; i + w <= N; i += w) f(i, std::integral_constant<std::size_t, w>{});
    if constexpr (N % w != 0) f(N - N % w, std::integral_constant<std::size_t, N % w>{});
}

/// to = from, N elements, a batch at a time: a vec's copy assignment moves 16 bytes at a time, which
/// the next step's 32-byte loads could not take from the store buffer.
template <std::size_t N, scalar T>
TYPEGRAD_ALWAYS_INLINE inline void copy(const T* from, T* to) noexcept {
    for_batches<N, T>([&](std::size_t k, auto lanes) TYPEGRAD_ALWAYS_INLINE {
        simd::store_part<lanes>(to + k, simd::load_part<lanes>(from + k));
    });
}

/// tanh of a batch for the gates: in float x·P / Q, the rational tanh the activations use
/// (detail::tanh_rational), by the divider (also in AVX-512's 512-bit batches, where tg::tanh takes
/// the reciprocal and its correction), without tg::tanh's last clamp: the divider is otherwise idle in
/// a step, while the FMA units, which the reciprocal's correction would take, bound it.
template <class V>
TYPEGRAD_ALWAYS_INLINE inline V gate_tanh(V z) noexcept {
    if constexpr (is_float_v<V>) {
        const auto [x, p, q] = tanh_rational(z);
        return x * p / q;
    } else {
        return tanh_of(z);
    }
}

/// The logistic function of a batch. In float, (1 + tanh(z / 2)) / 2 with the same rational:
/// (Q + x·P) / (Q + Q), by the divider; no exponential, within 2.6e-7 of σ(z) (tested in
/// tests/unit/activation_gates.cpp): over every float, 2.03e-7 with FMA (x86-64-v3 and x86-64-v4) and
/// 2.54e-7 without, at z = 0x1.1f269p+4 (x86-64-v2).
template <class V>
TYPEGRAD_ALWAYS_INLINE inline V logistic(V z) noexcept {
    if constexpr (is_float_v<V>) {
        const auto [x, p, q] = tanh_rational(V(0.5f) * z);
        return xsimd::fma(x, p, q) / (q + q);
    } else {
        return V(1) / (V(1) + xsimd::exp(-z));
    }
}

/// Rows r … r + M − 1 of W_ih·x + b_ih, as a batch (M ≤ width; later lanes junk).
/// P is recurrent_params or recurrent_stream_params (the same W_ih and b_ih).
template <std::size_t M, class P, scalar T>
TYPEGRAD_ALWAYS_INLINE inline simd::batch<T> input_rows(const P& p, std::size_t r, const T* x) noexcept {
    constexpr std::size_t In = decltype(p.W_ih)::col_count;
    if constexpr (In == 1)
        return xsimd::fma(simd::load_part<M>(p.W_ih.data() + r), simd::batch<T>(x[0]), simd::load_part<M>(p.b_ih.data() + r));
    else return simd::row_block<M, In>(p.W_ih.data() + r * In, x) + simd::load_part<M>(p.b_ih.data() + r);
}

}  // namespace detail
}  // namespace typegrad
