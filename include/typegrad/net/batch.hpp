// The mini-batch path: n samples go through the network together as n-row matrices, layer by layer,
// on the batch kernels (simd/gemm.hpp). tg::batch_workspace<Net, T> holds the rows entering every
// layer, their gradients and each layer's batch state, allocated once for a row capacity;
// tg::forward_batch and tg::value_and_grad_batch then run without allocating.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <exception>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typegrad/core/error.hpp>
#include <typegrad/core/rows.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/layers/layer.hpp>
#include <typegrad/loss/loss.hpp>
#include <typegrad/net/params.hpp>
#include <typegrad/net/plan.hpp>
#include <typegrad/net/shape_error.hpp>

namespace typegrad {

/// Layer Index has no mini-batch path (forward_batch / backward_batch), which tg::fit and the batch
/// functions need.
template <class Index, class Layer>
struct layer_without_batch_path {
    static_assert(detail::always_false<Index>,
                  "tg::batch_workspace: this layer has no forward_batch / backward_batch (see tg::batch_layer in "
                  "typegrad/layers/layer.hpp)");
};

namespace detail {

template <class Net, class T, class Seq = std::make_index_sequence<Net::layer_count + 1>>
struct boundary_rows;
template <class Net, class T, std::size_t... K>
struct boundary_rows<Net, T, std::index_sequence<K...>> {
    using type = flat_tuple<std::index_sequence<K...>, rows<T, Net::sizes[K]>...>;
    static type make(std::size_t capacity, std::size_t first_capacity) {
        return {slot<K, rows<T, Net::sizes[K]>>{rows<T, Net::sizes[K]>(K == 0 ? first_capacity : capacity)}...};
    }
};

template <class Net, class T, class Seq = std::make_index_sequence<Net::layer_count>>
struct batch_states;
template <class Net, class T, std::size_t... I>
struct batch_states<Net, T, std::index_sequence<I...>> {
    template <std::size_t J>
    using state = batch_state_t<typename Net::template layer_type<J>, T, Net::sizes[J]>;
    using type = flat_tuple<std::index_sequence<I...>, state<I>...>;
    static type make(std::size_t capacity) { return {slot<I, state<I>>{state<I>(capacity)}...}; }

    static constexpr bool check() {
        return (require<batch_layer<typename Net::template layer_type<I>, T, Net::sizes[I]>,
                        layer_without_batch_path<layer_index<I>, typename Net::template layer_type<I>>> &&
                ...);
    }
};

}  // namespace detail

/// The rows a mini-batch of up to capacity() samples needs: values<K>() are the rows entering layer
/// K (values<layer_count>() the outputs), gradients<K>() the loss's gradient with respect to them,
/// state<I>() layer I's batch state. Fill the inputs with set_input before a pass.
template <network Net, scalar T = float>
class batch_workspace {
    static_assert(detail::batch_states<Net, T>::check(), "tg::batch_workspace: every layer needs a batch path");

public:
    using net_type = Net;
    using value_type = T;

    /// With input_gradient, backward_batch also leaves ∂L/∂input in gradients<0>() (a network run
    /// inside another's layer needs it); otherwise nobody does, and it is not computed.
    explicit batch_workspace(std::size_t capacity, bool input_gradient = false)
        : values_(detail::boundary_rows<Net, T>::make(capacity, capacity)),
          gradients_(detail::boundary_rows<Net, T>::make(capacity, input_gradient ? capacity : 0)),
          states_(detail::batch_states<Net, T>::make(capacity)),
          capacity_(capacity) {}

    std::size_t capacity() const noexcept { return capacity_; }
    bool input_gradient() const noexcept { return gradients<0>().capacity() != 0; }

    template <std::size_t K>
    auto& values() noexcept { return detail::slot_value<K>(values_); }
    template <std::size_t K>
    const auto& values() const noexcept { return detail::slot_value<K>(values_); }
    template <std::size_t K>
    auto& gradients() noexcept { return detail::slot_value<K>(gradients_); }
    template <std::size_t K>
    const auto& gradients() const noexcept { return detail::slot_value<K>(gradients_); }
    template <std::size_t I>
    auto& state() noexcept { return detail::slot_value<I>(states_); }

    /// Copies sample x into input row r (r < capacity()).
    void set_input(std::size_t r, const vec<T, Net::in_size>& x) noexcept {
        std::copy_n(x.data(), Net::in_size, values<0>().row(r));
    }
    /// The network's output for input row r, after a pass.
    const T* output(std::size_t r) const noexcept { return values<Net::layer_count>().row(r); }

private:
    typename detail::boundary_rows<Net, T>::type values_;
    typename detail::boundary_rows<Net, T>::type gradients_;
    typename detail::batch_states<Net, T>::type states_;
    std::size_t capacity_;
};

namespace detail {

// The batch forward, a walk over the plan's steps. A step that fuses an activation runs it as its
// kernel's epilogue; the rows between the two are then left unwritten (neither backward reads them),
// unless the activation derives from its input, which its backward reads there.
template <class Net, class T>
void forward_batch_steps(const params<Net, T>& p, batch_workspace<Net, T>& ws, std::size_t n, const batch_info& info) {
    using P = plan<Net, T>;
    walk_steps<Net, T>([&](auto step) {
        constexpr std::size_t I = step;
        using L = typename Net::template layer_type<I>;
        const batch_info at = info.at_draw(Net::draw_offsets[I]);
        if constexpr (P::template fuses_next<I>)
            L::template forward_batch_then<typename P::template fused_activation<I>>(
                get<I>(p), n, ws.template values<I>(), ws.template values<I + 1>(), ws.template values<I + 2>(), at);
        else
            L::forward_batch(get<I>(p), n, ws.template values<I>(), ws.template values<I + 1>(), ws.template state<I>(),
                             at);
    });
}

// Layer L's batch backward, adding or assigning its gradient as `how` says, whether or not it can assign
// by itself (tg::assigns_batch_gradient): one that cannot gets its gradient zeroed first.
template <class L, class T, std::size_t In, class P, class Y, class S, class Grad>
void backward_batch_as(const P& p, std::size_t n, const rows<T, In>& x, const Y& y, const Y& grad_y,
                       rows<T, In>* grad_x, S& state, Grad& grad, grad_mode how) {
    if constexpr (assigns_batch_gradient<L, T, In>) {
        L::backward_batch(p, n, x, y, grad_y, grad_x, state, grad, how);
    } else {
        if (how == grad_mode::assign)
            Grad::for_each_tensor([](std::string_view, auto& t) { std::fill_n(t.data(), t.size(), 0); }, grad);
        L::backward_batch(p, n, x, y, grad_y, grad_x, state, grad);
    }
}

// Layer I's batch backward; grad_x is null where nobody needs its input gradient (layer 0, unless ws
// keeps the network's input gradient).
template <class Net, std::size_t I, class T, class Grad>
void backward_batch_layer(const params<Net, T>& p, batch_workspace<Net, T>& ws, std::size_t n,
                                                 Grad& g, grad_mode how) {
    using L = typename Net::template layer_type<I>;
    auto* grad_x =
        plan<Net, T>::template needs_input_grad<I> || ws.input_gradient() ? &ws.template gradients<I>() : nullptr;
    const auto &x = ws.template values<I>(), &y = ws.template values<I + 1>(), &grad_y = ws.template gradients<I + 1>();
    backward_batch_as<L, T, Net::sizes[I]>(get<I>(p), n, x, y, grad_y, grad_x, ws.template state<I>(), g, how);
}

inline void check_rows(const char* where, std::size_t n, std::size_t capacity) {
    if (n > capacity)
        throw value_error(message(where, ": ", n, " samples do not fit a batch_workspace of capacity ", capacity));
}

/// Checks that inputs and targets pair up and fit ws, copies the inputs into ws and returns their
/// count; `where` names the caller in the errors.
template <class Net, class T, class Input, class Target>
std::size_t load_batch(const char* where, batch_workspace<Net, T>& ws, std::span<const Input> inputs,
                       std::span<const Target> targets) {
    if (inputs.size() != targets.size())
        throw value_error(message(where, ": ", inputs.size(), " inputs but ", targets.size(),
                                  " targets, expected one target per input"));
    check_rows(where, inputs.size(), ws.capacity());
    for (std::size_t r = 0; r < inputs.size(); ++r) ws.set_input(r, inputs[r]);
    return inputs.size();
}

}  // namespace detail

/// Runs input rows [0, n) of ws (filled by set_input) through the network; the outputs are then
/// ws.output(r). With info.m == mode::training, ws keeps what backward_batch needs.
template <network Net, class T>
void forward_batch(const params<Net, T>& p, batch_workspace<Net, T>& ws, std::size_t n, const batch_info& info = {}) {
    detail::check_rows("tg::forward_batch", n, ws.capacity());
    detail::forward_batch_steps<Net>(p, ws, n, info);
}

namespace detail {

/// Runs samples [lo, hi) through the network in inference mode, ws.capacity() of them at a time:
/// input(i) is sample i's input, and out(output row, i) is called with each sample's output.
template <class Net, class T, class Input, class Out>
void infer_rows(const params<Net, T>& p, batch_workspace<Net, T>& ws, std::size_t lo, std::size_t hi, Input&& input,
                Out&& out) {
    for (std::size_t begin = lo; begin < hi; begin += ws.capacity()) {
        const std::size_t n = std::min(ws.capacity(), hi - begin);
        for (std::size_t r = 0; r < n; ++r) ws.set_input(r, input(begin + r));
        forward_batch<Net>(p, ws, n, {mode::inference});
        for (std::size_t r = 0; r < n; ++r) out(ws.output(r), begin + r);
    }
}

}  // namespace detail

/// Given the loss's gradients for the output rows (ws.gradients<layer_count>()) after a training-mode
/// forward_batch of n rows, ADDS ∂L/∂params, summed over the rows, into grad (with
/// grad_mode::assign: overwrites grad with it).
template <network Net, class T>
void backward_batch(const params<Net, T>& p, batch_workspace<Net, T>& ws, std::size_t n, params<Net, T>& grad,
                    grad_mode how = grad_mode::add) {
    detail::check_rows("tg::backward_batch", n, ws.capacity());
    detail::walk_layers<Net, true>([&](auto layer) {
        detail::backward_batch_layer<Net, layer>(p, ws, n, get<layer>(grad), how);
    });
}

namespace detail {

// The losses of output rows [r0, r1) against target(r) after a forward pass; leaves
// scale·∂loss/∂output in those rows of ws.gradients<layer_count>() and returns the sum of the losses.
template <class Net, class T, class Target, class Loss>
T row_losses(batch_workspace<Net, T>& ws, std::size_t r0, std::size_t r1, Target&& target, const Loss& loss, T scale) {
    constexpr std::size_t out = Net::out_size;
    auto& grad_out = ws.template gradients<Net::layer_count>();
    T sum{};
    for (std::size_t r = r0; r < r1; ++r) {
        vec<T, out> y, g;
        std::copy_n(ws.output(r), out, y.data());
        sum += loss.value_and_grad(y, target(r), g);
        std::transform(g.begin(), g.end(), grad_out.row(r), [scale](T v) { return v * scale; });
    }
    return sum;
}

// The forward pass of n loaded rows and row_losses of all of them.
template <class Net, class T, class Target, class Loss>
T loss_rows(const params<Net, T>& p, batch_workspace<Net, T>& ws, std::size_t n, Target&& target, const Loss& loss,
            T scale, const batch_info& info) {
    forward_batch<Net>(p, ws, n, info);
    return row_losses(ws, 0, n, target, loss, scale);
}

}  // namespace detail

/// After the optimizer step of a training batch: folds what the training-mode forward_batch
/// measured into the statistics layers keep in their parameters (batch_norm's running mean and
/// variance). tg::fit calls it; a hand-written loop calls it after each step. Once per pass: a second
/// call changes nothing.
template <network Net, class T>
void update_running_statistics(params<Net, T>& p, batch_workspace<Net, T>& ws) noexcept {
    detail::walk_layers<Net>([&](auto layer) {
        using L = typename Net::template layer_type<layer>;
        if constexpr (keeps_running_statistics<L, T, Net::sizes[layer]>)
            L::update_running_statistics(get<layer>(p), ws.template state<layer>());
    });
}

/// The loss of n loaded rows, scored against target(r), and ∂(scale · Σ losses)/∂params ADDED into
/// grad (assigned to it with grad_mode::assign); returns the sum of the rows' losses. Mini-batch
/// training uses scale = 1 / (batch size), or 1 / (the batch's summed class weights). A loss that
/// throws (a bad target) leaves grad as it was; but when other threads or processes share the pass
/// (info.parts), the backward still runs, from a zero gradient, so that every value batch_norm shares
/// with them is shared, before the loss's exception is thrown (grad is then to be thrown away).
template <network Net, class T, class Target, class Loss>
    requires loss_for<Loss, T, Net::out_size>
T value_and_grad_rows(const params<Net, T>& p, batch_workspace<Net, T>& ws, std::size_t n, Target&& target,
                      const Loss& loss, params<Net, T>& grad, T scale, const batch_info& info,
                      grad_mode how = grad_mode::add) {
    forward_batch<Net>(p, ws, n, info);
    T sum{};
    std::exception_ptr failed;
    try {
        sum = detail::row_losses(ws, 0, n, target, loss, scale);
    } catch (...) {
        if (!info.parts) throw;
        failed = std::current_exception();
        for (std::size_t r = 0; r < n; ++r) std::fill_n(ws.template gradients<Net::layer_count>().row(r), Net::out_size, T{});
    }
    backward_batch<Net>(p, ws, n, grad, how);
    if (failed) std::rethrow_exception(failed);
    return sum;
}

/// A mini-batch's summed loss; ADDS the MEAN of its samples' gradients into grad (the gradient of
/// the mean loss, as frameworks train), or with grad_mode::assign overwrites grad with it. With class
/// weights the mean divides by the sum of the samples' weights (detail::batch_weight), as PyTorch's.
/// inputs and targets pair up; at most ws.capacity() samples.
template <network Net, class T, class Loss>
    requires loss_for<Loss, T, Net::out_size>
T value_and_grad_batch(const params<Net, T>& p, batch_workspace<Net, T>& ws,
                       std::span<const std::type_identity_t<vec<T, Net::in_size>>> inputs,
                       std::span<const loss_target_t<Loss, T, Net::out_size>> targets, const Loss& loss,
                       params<Net, T>& grad, const batch_info& info = {mode::training},
                       grad_mode how = grad_mode::add) {
    const std::size_t n = detail::load_batch("tg::value_and_grad_batch", ws, inputs, targets);
    if (n == 0) return T{};
    const auto target = [&](std::size_t r) -> const auto& { return targets[r]; };
    const T weight = detail::batch_weight<T, Net::out_size>(loss, n, target);
    return value_and_grad_rows<Net>(p, ws, n, target, loss, grad, detail::per_weight(T{1}, weight), info, how);
}

}  // namespace typegrad
