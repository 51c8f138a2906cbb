// tg::save(params, path) and tg::load<Net>(path): a network's parameters as a safetensors file with
// the names and layouts of a PyTorch nn.Sequential state_dict ("0.weight" is Out x In, "0.bias").
// Loading checks every name, dtype and shape against the network type and lists every mismatch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/mat.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/core/tensor3.hpp>
#include <typegrad/core/panel_mat.hpp>
#include <typegrad/core/vec.hpp>
#include <typegrad/io/safetensors.hpp>
#include <typegrad/net/params.hpp>

namespace typegrad {

/// What load does with a tensor whose dtype is not the parameters' own (F32 for float, F64 for
/// double). `exact` refuses it. `widen` converts a narrower floating dtype, which loses nothing:
/// F16 and BF16 (PyTorch models saved in half precision) into float or double, F32 into double. A
/// wider dtype (F64 into float) is refused either way: it would round.
enum class dtype_conversion { exact, widen };

namespace detail {

template <scalar T, std::size_t N>
std::vector<std::size_t> tensor_shape(const vec<T, N>&) {
    return {N};
}
template <scalar T, std::size_t R, std::size_t C>
std::vector<std::size_t> tensor_shape(const mat<T, R, C>&) {
    return {R, C};
}
template <scalar T, std::size_t R, std::size_t C>
std::vector<std::size_t> tensor_shape(const panel_mat<T, R, C>&) {
    return {R, C};
}
template <scalar T, std::size_t D0, std::size_t D1, std::size_t D2>
std::vector<std::size_t> tensor_shape(const tensor3<T, D0, D1, D2>&) {
    return {D0, D1, D2};
}

// Where one parameter tensor of a network goes: its state_dict name, shape and storage. A
// tg::panel_mat's storage holds its rows in panels (`panels`); files hold every tensor in row-major
// order.
template <scalar T>
struct tensor_slot {
    std::string name;
    std::vector<std::size_t> shape;
    std::span<T> values;
    bool panels = false;
};

/// The slot load fills for `tensor` under `name`.
template <class Tensor>
tensor_slot<typename Tensor::value_type> slot_of(std::string name, Tensor& tensor) {
    return {std::move(name), tensor_shape(tensor), std::span(tensor.data(), tensor.size()), is_panel_mat<Tensor>};
}

/// `tensor` as save writes it under `name`: its shape, and its values in row-major order.
template <class Tensor>
named_tensor file_tensor(std::string name, const Tensor& tensor) {
    using T = typename Tensor::value_type;
    if constexpr (is_panel_mat<Tensor>) {
        std::vector<T> values;
        for (std::size_t r = 0; r < tensor.rows(); ++r)
            for (std::size_t c = 0; c < tensor.cols(); ++c) values.push_back(tensor(r, c));
        return named_tensor::from<T>(std::move(name), tensor_shape(tensor), std::span<const T>(values));
    } else {
        return named_tensor::from<T>(std::move(name), tensor_shape(tensor), std::span(tensor.data(), tensor.size()));
    }
}

/// A file tensor's values, row-major and of dtype `type`, into a slot's storage.
template <scalar T>
void fill_slot(dtype type, const unsigned char* bytes, const tensor_slot<T>& slot) {
    if (!slot.panels) {
        convert_floats(type, bytes, slot.values);
        return;
    }
    std::vector<T> values(slot.values.size());
    convert_floats(type, bytes, std::span<T>(values));
    const std::size_t R = slot.shape[0], C = slot.shape[1];
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t c = 0; c < C; ++c) slot.values[panel_offset(R, C, r, c)] = values[r * C + c];
}

// PyTorch's batch norm counts the batches its running statistics have seen in an I64 scalar,
// "<layer>.num_batches_tracked"; typegrad keeps it in the layer's parameters (tg::batch_norm_params).
// A checkpoint's step counts are I64 scalars too (io/checkpoint.hpp).
struct counter_slot {
    std::string name;
    std::int64_t* value;
    std::string_view what = "a batch count";
};

/// Calls f("<layer>.num_batches_tracked", counter) for the counter of every layer of p that has one.
template <class P, class F>
void for_each_counter(P& p, F f) {
    using Net = typename std::remove_const_t<P>::net_type;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (..., [&] {
            if constexpr (requires { get<I>(p).num_batches_tracked; })
                f(message(I, ".num_batches_tracked"), get<I>(p).num_batches_tracked);
        }());
    }(std::make_index_sequence<Net::layer_count>{});
}

// Checks the file's tensors against the slots, then copies them in; every mismatch (missing or
// unexpected name, dtype, shape, data of another size than they give), and the caller's `problems`,
// are counted in one weights_mismatch_error (listing the first of them) and nothing is copied. A
// counter may be missing (a file not written by PyTorch): it is then 0. Tensors whose names start with
// a non-empty `ignored_prefix` are skipped.
template <scalar T>
void fill_slots(const safetensors_contents& contents, std::span<const tensor_slot<T>> slots,
                std::span<const counter_slot> counters, std::string_view file, dtype_conversion conversion,
                std::string_view ignored_prefix = {}, problem_list problems = {}) {
    std::vector<const named_tensor*> sources;
    for (const auto& slot : slots) {
        const named_tensor* t = contents.find(slot.name);
        sources.push_back(t);
        if (!t) {
            problems.push_back(message("missing tensor '", slot.name, "', expected ", dtype_name(dtype_of<T>),
                                       " shape ", shape_text(slot.shape)));
            continue;
        }
        if (t->type != dtype_of<T> && !(conversion == dtype_conversion::widen && converts_exactly<T>(t->type)))
            problems.push_back(message(
                "tensor '", slot.name, "': dtype ", dtype_name(t->type), ", expected ", dtype_name(dtype_of<T>),
                converts_exactly<T>(t->type) ? " (tg::dtype_conversion::widen converts it exactly)"
                : is_floating(t->type)       ? " (narrowing would round: load into double parameters)"
                                             : ""));
        if (t->shape != slot.shape)
            problems.push_back(message("tensor '", slot.name, "': shape ", shape_text(t->shape), ", expected ",
                                       shape_text(slot.shape)));
        else if (const std::size_t bytes = slot.values.size() * dtype_size(t->type); t->data.size() != bytes)
            problems.push_back(message("tensor '", slot.name, "': ", t->data.size(), " data bytes, expected ", bytes,
                                       " for ", dtype_name(t->type), " shape ", shape_text(t->shape)));
    }
    for (const auto& slot : counters)
        if (const named_tensor* t = contents.find(slot.name); t && (t->type != dtype::i64 || !t->shape.empty()))
            problems.push_back(message("tensor '", slot.name, "': dtype ", dtype_name(t->type), " shape ",
                                       shape_text(t->shape), ", expected I64 shape [] (", slot.what, ")"));
        else if (t && t->data.size() != 8)
            problems.push_back(message("tensor '", slot.name, "': ", t->data.size(), " data bytes, expected 8 for I64 ",
                                       "shape [] (", slot.what, ")"));
    for (const auto& t : contents.tensors) {
        const auto named = [&](const auto& s) { return s.name == t.name; };
        const bool known = std::any_of(slots.begin(), slots.end(), named) ||
                           std::any_of(counters.begin(), counters.end(), named) ||
                           (!ignored_prefix.empty() && t.name.starts_with(ignored_prefix));
        if (!known)
            problems.push_back(message("unexpected tensor ", detail::quoted(t.name), " (", dtype_name(t.type), " shape ",
                                       shape_text(t.shape), "), which the network does not have"));
    }
    if (!problems.empty()) {
        std::string text = message("weights file '", file, "' does not fit the network: ", problems.size(),
                                   problems.size() == 1 ? " mismatch" : " mismatches");
        throw weights_mismatch_error(text + problems.lines());
    }
    for (std::size_t i = 0; i < slots.size(); ++i) fill_slot(sources[i]->type, sources[i]->data.data(), slots[i]);
    for (const auto& slot : counters) {
        *slot.value = 0;
        if (const named_tensor* t = contents.find(slot.name)) std::memcpy(slot.value, t->data.data(), 8);
    }
}

// An I64 scalar tensor (a count).
inline named_tensor count_tensor(std::string name, std::int64_t count) {
    named_tensor t{std::move(name), dtype::i64, {}, byte_buffer(8)};
    std::memcpy(t.data.data(), &count, 8);
    return t;
}

/// The tensors tg::save writes for p: "<layer>.<name>" in F32 or F64, and the batch counts.
template <class Net, scalar T>
std::vector<named_tensor> params_tensors(const params<Net, T>& p) {
    std::vector<named_tensor> tensors;
    for_each_tensor(
        [&](std::size_t layer, std::string_view name, const auto& tensor) {
            tensors.push_back(file_tensor(message(layer, '.', name), tensor));
        },
        p);
    for_each_counter(p, [&](std::string name, std::int64_t count) { tensors.push_back(count_tensor(std::move(name), count)); });
    return tensors;
}

/// Appends the slots tg::load fills in p: its tensors under their names, and its batch counts.
template <class Net, scalar T>
void params_slots(params<Net, T>& p, std::vector<tensor_slot<T>>& slots, std::vector<counter_slot>& counters) {
    for_each_tensor(
        [&](std::size_t layer, std::string_view name, auto& tensor) {
            slots.push_back(slot_of(message(layer, '.', name), tensor));
        },
        p);
    for_each_counter(p, [&](std::string name, std::int64_t& count) { counters.push_back({std::move(name), &count}); });
}

}  // namespace detail

/// Saves every parameter tensor of p as "<layer>.<name>" (layers counted as nn.Sequential counts
/// them, parameter-free ones included), in dtype F32 or F64 as T, with metadata {"format": "pt"}
/// as PyTorch's safetensors writer adds, and batch norm's "<layer>.num_batches_tracked" as an I64
/// scalar, as PyTorch's state_dict has it. Atomic: an interrupted save keeps the previous file.
template <class Net, scalar T>
void save(const params<Net, T>& p, const std::filesystem::path& path) {
    write_safetensors(path, detail::params_tensors(p), {{"format", "pt"}});
}

/// Loads safetensors contents into p (e.g. parse_safetensors of bytes in memory), with the checks
/// load(p, path) makes; `source` names it in messages. A checkpoint's optimizer state (metadata
/// "optimizer", tensors "optimizer.…", io/checkpoint.hpp) is passed over.
template <class Net, scalar T>
void load(params<Net, T>& p, const safetensors_contents& contents, std::string_view source,
          dtype_conversion conversion = dtype_conversion::exact) {
    std::vector<detail::tensor_slot<T>> slots;
    std::vector<detail::counter_slot> counters;
    detail::params_slots(p, slots, counters);
    detail::fill_slots<T>(contents, slots, counters, source, conversion,
                          contents.metadata.contains("optimizer") ? "optimizer." : "");
}

/// Loads a safetensors file into p: every tensor of the network must be in the file with dtype F32
/// (float) or F64 (double), or one `conversion` allows, and the network's shape, and the file must hold no other tensor (batch
/// norm's "<layer>.num_batches_tracked" may be there, as I64 scalar, or not, and then counts 0); the
/// mismatches are listed together in one weights_mismatch_error, and p is left unchanged. Throws
/// io_error or format_error for a file that cannot be read or is not valid safetensors.
template <class Net, scalar T>
void load(params<Net, T>& p, const std::filesystem::path& path, dtype_conversion conversion = dtype_conversion::exact) {
    load(p, read_safetensors(path), path.string(), conversion);
}

/// The parameters of Net stored in a safetensors file, checked as load(p, path) checks them:
///   auto p = tg::load<mlp>("mlp.safetensors");          // params<mlp, float>
///   auto q = tg::load<mlp, double>("mlp.safetensors");  // needs F64 tensors
///   auto r = tg::load<mlp, double>("mlp.safetensors", tg::dtype_conversion::widen);  // F16, BF16, F32 or F64
template <class Net, scalar T = float>
params<Net, T> load(const std::filesystem::path& path, dtype_conversion conversion = dtype_conversion::exact) {
    params<Net, T> p{};
    load(p, path, conversion);
    return p;
}

}  // namespace typegrad
