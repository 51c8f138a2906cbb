// tg::dense<In, Out>: the fully connected layer y = W·x + b. W is Out×In (W(i, c) is neuron i's
// weight for input c, as PyTorch's Linear.weight), stored as a tg::panel_mat: panels of up to 64
// neurons, each transposed. b has Out entries. Forward is a fused gemv_t per panel; backward is the
// seed's chain rule: ∂L/∂W += g·xᵀ, ∂L/∂b += g, ∂L/∂x = Wᵀ·g. tg::dense<Out> leaves In to the
// network: the previous layer's output size (or tg::input<N>).
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include <typegrad/core/mat.hpp>
#include <typegrad/core/panel_mat.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/activations.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/simd.hpp>

namespace typegrad {

/// The parameters of dense<In, Out>: W (Out×In) and b (Out), named "weight" and "bias".
template <scalar T, std::size_t In, std::size_t Out>
struct dense_params {
    panel_mat<T, Out, In> W;
    vec<T, Out> b;

    static constexpr std::size_t count = Out * In + Out;

    /// Calls f(name, tensor of each of ps...) for W and then b; ps are dense_params of one shape.
    template <class F, class... Ps>
    static constexpr void for_each_tensor(F&& f, Ps&... ps) {
        f(std::string_view{"weight"}, ps.W...);
        f(std::string_view{"bias"}, ps.b...);
    }
    friend constexpr bool operator==(const dense_params&, const dense_params&) noexcept = default;
};

/// dense<In, Out>'s parameters as tg::inference_params keeps them: W transposed (Wt is In×Out,
/// Wt(c, r) = W(r, c)), so that the forward is a sum of W's columns scaled by the inputs (simd::gemv_t)
/// instead of one dot product per output, whose horizontal sums cost as much as the products.
template <scalar T, std::size_t In, std::size_t Out>
struct dense_inference_params {
    mat<T, In, Out> Wt;
    vec<T, Out> b;
};

template <scalar T, std::size_t In>
struct dense_cache {
    vec<T, In> x;  // the input, for ∂L/∂W = g·xᵀ
};

namespace detail {
/// The second argument of tg::dense<Out>: the input size is the previous layer's output size.
inline constexpr std::size_t previous_layer_size = ~std::size_t{0};
}  // namespace detail

template <std::size_t In, std::size_t Out = detail::previous_layer_size>
struct dense {
    static constexpr std::string_view name = "dense";
    static_assert(In > 0 && Out > 0, "tg::dense<In, Out> needs In >= 1 and Out >= 1");

    static constexpr std::size_t in_size = In;
    static constexpr std::size_t out_size = Out;
    template <std::size_t>
    static constexpr std::size_t out_size_for = Out;
    template <scalar T, std::size_t>
    using params_type = dense_params<T, In, Out>;
    template <scalar T, std::size_t>
    using cache_type = dense_cache<T, In>;

    /// Uniform weights in ±sqrt(6 / fan) (fan = In for He, In + Out for Glorot), zero biases.
    template <scalar T>
    static void init(dense_params<T, In, Out>& p, rng& r, init_scheme scheme) {
        const double fan = scheme == init_scheme::he_uniform ? double(In) : double(In + Out);
        const double limit = std::sqrt(6.0 / fan);
        for (std::size_t o = 0; o < Out; ++o)
            for (std::size_t i = 0; i < In; ++i) p.W(o, i) = static_cast<T>(r.uniform(-limit, limit));
        p.b = {};
    }

    /// The per-sample forwards (forward, forward_then, infer, infer_then) are inlined into the network's
    /// walk, whose products are then one function with the activations (GCC -O2 called them otherwise).
    template <scalar T>
    TYPEGRAD_ALWAYS_INLINE static constexpr vec<T, Out> forward(const dense_params<T, In, Out>& p, const vec<T, In>& x,
                                                                dense_cache<T, In>& cache, mode) noexcept {
        cache.x = x;
        vec<T, Out> z;
        simd::gemv_t_panels<In, Out>(p.W.data(), x.data(), p.b.data(), z.data(), value_of<void>);
        return z;
    }

    /// This layer's forward and then the elementwise activation Act's, in one pass: the activation
    /// is the gemv's epilogue, applied while the outputs are still in registers. Fills both caches as
    /// the two forwards would, and returns Act's output (held in its cache).
    template <class Act, scalar T>
        requires(elementwise_activation<Act> && !derivative_from_input<Act>)
    TYPEGRAD_ALWAYS_INLINE static constexpr const vec<T, Out>& forward_then(const dense_params<T, In, Out>& p,
                                                                            const vec<T, In>& x,
                                                                            dense_cache<T, In>& cache,
                                                                            output_cache<T, Out>& act_cache,
                                                                            mode) noexcept {
        cache.x = x;
        simd::gemv_t_panels<In, Out>(p.W.data(), x.data(), p.b.data(), act_cache.y.data(), value_of<Act>);
        return act_cache.y;
    }

    /// The same for an activation that derives from its input: the gemv writes z into Act's cache,
    /// and Act's output is a second pass over it.
    template <class Act, scalar T>
        requires derivative_from_input<Act>
    TYPEGRAD_ALWAYS_INLINE static constexpr vec<T, Out> forward_then(const dense_params<T, In, Out>& p,
                                                                     const vec<T, In>& x, dense_cache<T, In>& cache,
                                                                     input_cache<T, Out>& act_cache, mode) noexcept {
        cache.x = x;
        simd::gemv_t_panels<In, Out>(p.W.data(), x.data(), p.b.data(), act_cache.z.data(), value_of<void>);
        vec<T, Out> y;
        simd::map<Out>(act_cache.z.data(), y.data(), [](auto z) { return Act::value(z); });
        return y;
    }

    /// backward without ∂L/∂x: for the first layer, whose input gradient value_and_grad does not need.
    template <scalar T>
    static constexpr void backward_params(const dense_params<T, In, Out>&, const dense_cache<T, In>& cache,
                                          const vec<T, Out>& grad_out, dense_params<T, In, Out>& grad) noexcept {
        simd::outer_acc_panels<In, Out>(cache.x.data(), grad_out.data(), grad.W.data());
        simd::axpy<Out>(T{1}, grad_out.data(), grad.b.data());
    }

    /// The mini-batch forms: Y = X·Wᵀ + b over n rows, then ∂L/∂W += Gᵀ·X, ∂L/∂b += Σ rows of G and
    /// ∂L/∂X = G·W, where G = ∂L/∂Y: the per-sample formulas above summed over the rows.
    template <scalar T>
    static void forward_batch(const dense_params<T, In, Out>& p, std::size_t n, const rows<T, In>& x,
                              rows<T, Out>& y, no_batch_state&, const batch_info&) noexcept {
        simd::gemm_forward<In, Out>(n, x.data(), p.W.data(), p.b.data(), y.data());
    }

    /// forward_batch and then the elementwise activation Act's, fused as forward_then does: into y, and
    /// when Act derives from its input, z = X·Wᵀ + b into z first.
    template <class Act, scalar T>
        requires elementwise_activation<Act>
    static void forward_batch_then(const dense_params<T, In, Out>& p, std::size_t n, const rows<T, In>& x,
                                   rows<T, Out>& z, rows<T, Out>& y, const batch_info&) noexcept {
        forward_batch_samples<Act>(p, x, z, y, {0, n});
    }

    static constexpr bool backward_batch_in_place = true;
    template <scalar T>
    static void backward_batch(const dense_params<T, In, Out>& p, std::size_t n, const rows<T, In>& x,
                               const rows<T, Out>&, const rows<T, Out>& grad_y, rows<T, In>* grad_x,
                               no_batch_state&, dense_params<T, In, Out>& grad,
                               grad_mode how = grad_mode::add) noexcept {
        // ∂L/∂x first, from W before grad is written: grad may be p itself (tg::sgd_step_batch).
        if (grad_x) simd::gemm_input_grad<In, Out>(n, grad_y.data(), p.W.data(), grad_x->data());
        if (how == grad_mode::add) {
            simd::gemm_weight_grad<In, Out, true>(n, grad_y.data(), x.data(), grad.W.data());
            simd::bias_grad<Out, true>(n, grad_y.data(), grad.b.data());
        } else {
            simd::gemm_weight_grad<In, Out, false>(n, grad_y.data(), x.data(), grad.W.data());
            simd::bias_grad<Out, false>(n, grad_y.data(), grad.b.data());
        }
    }

    /// Act's value, or for Act = void the identity: the epilogue of the forwards.
    template <class Act>
    static constexpr auto value_of = [] {
        if constexpr (std::is_void_v<Act>) return simd::identity{};
        else return [](auto z) { return Act::value(z); };
    }();

    /// Act is applied by the kernel (a pass over each row's outputs once they are summed), unless it
    /// derives from its input: the kernel then writes z, and Act runs from z into y.
    template <class Act>
    static constexpr bool epilogue = !derivative_from_input<Act>;

    /// forward_batch (then Act, unless void) of neurons r only, i.e. columns r of z and y: tg::fit's
    /// threads split a layer's neurons this way, each thread reading only its own neurons' part of W
    /// (whole panels, where the split falls on a multiple of 64).
    template <class Act, scalar T>
    static void forward_batch_neurons(const dense_params<T, In, Out>& p, std::size_t n, const rows<T, In>& x,
                                      rows<T, Out>& z, rows<T, Out>& y, simd::index_range r) noexcept {
        if constexpr (epilogue<Act>) {
            simd::gemm_forward<In, Out>(n, x.data(), p.W.data(), p.b.data(), y.data(), value_of<Act>, r);
        } else {
            simd::gemm_forward<In, Out>(n, x.data(), p.W.data(), p.b.data(), z.data(), r);
            for (std::size_t s = 0; s < n; ++s) simd::map_n(r.hi - r.lo, z.row(s) + r.lo, y.row(s) + r.lo, value_of<Act>);
        }
    }

    /// forward_batch (then Act, unless void) of samples r only: rows r of x to rows r of z and y.
    template <class Act, scalar T>
    static void forward_batch_samples(const dense_params<T, In, Out>& p, const rows<T, In>& x, rows<T, Out>& z,
                                      rows<T, Out>& y, simd::index_range r) noexcept {
        if constexpr (epilogue<Act>) {
            simd::gemm_forward<In, Out>(r.hi - r.lo, x.row(r.lo), p.W.data(), p.b.data(), y.row(r.lo), value_of<Act>);
        } else {
            simd::gemm_forward<In, Out>(r.hi - r.lo, x.row(r.lo), p.W.data(), p.b.data(), z.row(r.lo));
            for (std::size_t s = r.lo; s < r.hi; ++s) simd::map<Out>(z.row(s), y.row(s), value_of<Act>);
        }
    }

    /// ∂L/∂x of samples r only: rows r of grad_x = rows r of grad_y · W.
    template <scalar T>
    static void input_grad_samples(const dense_params<T, In, Out>& p, const rows<T, Out>& grad_y, rows<T, In>& grad_x,
                                   simd::index_range r) noexcept {
        simd::gemm_input_grad<In, Out>(r.hi - r.lo, grad_y.row(r.lo), p.W.data(), grad_x.row(r.lo));
    }

    /// backward_batch (assigning) of neurons r only: rows r of ∂L/∂W and entries r of ∂L/∂b, from
    /// columns r of grad_y, and, unless grad_x_part is null, the part of ∂L/∂x these neurons make,
    /// grad_y[:, r]·W[r, :] (n rows of In, to grad_x_part). The parts of all neurons sum to ∂L/∂x.
    template <scalar T>
    static void backward_batch_neurons(const dense_params<T, In, Out>& p, std::size_t n, const rows<T, In>& x,
                                       const rows<T, Out>& grad_y, T* grad_x_part, dense_params<T, In, Out>& grad,
                                       simd::index_range r) noexcept {
        if (grad_x_part) simd::gemm_input_grad<In, Out>(n, grad_y.data(), p.W.data(), grad_x_part, r);
        simd::gemm_weight_grad<In, Out, false>(n, grad_y.data(), x.data(), grad.W.data(), r);
        simd::bias_grad<Out, false>(n, grad_y.data(), grad.b.data(), r);
    }

    /// backward_batch_neurons, except that the part of ∂L/∂W is of every neuron over inputs k (columns k
    /// of ∂L/∂W): for a layer whose neurons tg::split_neurons leaves uncut, the threads split its
    /// weight gradient by inputs (tg::split_inputs).
    template <scalar T>
    static void backward_batch_inputs(const dense_params<T, In, Out>& p, std::size_t n, const rows<T, In>& x,
                                      const rows<T, Out>& grad_y, T* grad_x_part, dense_params<T, In, Out>& grad,
                                      simd::index_range r, simd::index_range k) noexcept {
        if (grad_x_part) simd::gemm_input_grad<In, Out>(n, grad_y.data(), p.W.data(), grad_x_part, r);
        simd::gemm_weight_grad_inputs<In, Out, false>(n, grad_y.data(), x.data(), grad.W.data(), k);
        simd::bias_grad<Out, false>(n, grad_y.data(), grad.b.data(), r);
    }

    template <scalar T>
    static constexpr vec<T, In> backward(const dense_params<T, In, Out>& p, const dense_cache<T, In>& cache,
                                         const vec<T, Out>& grad_out, dense_params<T, In, Out>& grad) noexcept {
        backward_params(p, cache, grad_out, grad);
        vec<T, In> grad_in;
        simd::gemv_panels<In, Out>(p.W.data(), grad_out.data(), grad_in.data());
        return grad_in;
    }

    /// backward fused with an SGD update for one sample: p += alpha·∂L/∂p (alpha = -lr) straight
    /// away, no gradient stored; returns ∂L/∂x, formed from W before the update. Inlined into
    /// tg::sgd_step, as is backward_update_params: whether GCC inlined them otherwise varied with
    /// unrelated changes to the kernels, by 3-5% of a small network's step.
    template <scalar T>
    TYPEGRAD_ALWAYS_INLINE static constexpr vec<T, In> backward_update(dense_params<T, In, Out>& p,
                                                                       const dense_cache<T, In>& cache,
                                                                       const vec<T, Out>& grad_out, T alpha) noexcept {
        vec<T, In> grad_in, step;  // step: alpha·x, the rows' factors of alpha·∂L/∂W
        simd::gemv_panels<In, Out>(p.W.data(), grad_out.data(), grad_in.data());
        simd::map<In>(cache.x.data(), step.data(), [alpha](auto x) { return x * alpha; });
        simd::outer_acc_panels<In, Out>(step.data(), grad_out.data(), p.W.data());
        simd::axpy<Out>(alpha, grad_out.data(), p.b.data());
        return grad_in;
    }

    template <scalar T, std::size_t>
    using inference_params_type = dense_inference_params<T, In, Out>;

    template <scalar T>
    static constexpr void prepare(const dense_params<T, In, Out>& p, dense_inference_params<T, In, Out>& q) noexcept {
        for (std::size_t r = 0; r < Out; ++r)
            for (std::size_t c = 0; c < In; ++c) q.Wt(c, r) = p.W(r, c);
        q.b = p.b;
    }

    /// The forward from prepared parameters (inference: no cache).
    template <scalar T>
    TYPEGRAD_ALWAYS_INLINE static constexpr vec<T, Out> infer(const dense_inference_params<T, In, Out>& p,
                                                              const vec<T, In>& x) noexcept {
        vec<T, Out> y;
        simd::gemv_t<In, Out>(p.Wt.data(), x.data(), p.b.data(), y.data(), [](auto z) { return z; });
        return y;
    }

    /// infer and then the elementwise activation Act, as the gemv_t's epilogue.
    template <class Act, scalar T>
        requires elementwise_activation<Act>
    TYPEGRAD_ALWAYS_INLINE static constexpr vec<T, Out> infer_then(const dense_inference_params<T, In, Out>& p,
                                                                   const vec<T, In>& x) noexcept {
        vec<T, Out> y;
        simd::gemv_t<In, Out>(p.Wt.data(), x.data(), p.b.data(), y.data(), [](auto z) { return Act::value(z); });
        return y;
    }

    /// backward_update without ∂L/∂x, for the first layer.
    template <scalar T>
    TYPEGRAD_ALWAYS_INLINE static constexpr void backward_update_params(dense_params<T, In, Out>& p,
                                                                        const dense_cache<T, In>& cache,
                                                                        const vec<T, Out>& grad_out, T alpha) noexcept {
        vec<T, Out> step;  // alpha·∂L/∂b, and the rows' factors of alpha·∂L/∂W = step·xᵀ
        simd::map<Out>(grad_out.data(), step.data(), [alpha](auto g) { return g * alpha; });
        simd::outer_acc_panels<In, Out>(cache.x.data(), step.data(), p.W.data());
        simd::axpy<Out>(T{1}, step.data(), p.b.data());
    }
};

/// tg::dense<Out>: a dense layer of Out neurons whose input size is the previous layer's output size
/// (PyTorch's nn.LazyLinear); the network makes it dense<In, Out>.
template <std::size_t Out>
struct dense<Out, detail::previous_layer_size> {
    static constexpr std::string_view name = "dense";
    template <std::size_t>
    static constexpr std::size_t out_size_for = Out;
    template <std::size_t In>
    using bound = dense<In, Out>;
};

}  // namespace typegrad
