// The safetensors format as named tensors: an 8-byte little-endian header length, a JSON header
// naming each tensor's dtype, shape and byte range, then the raw little-endian data. Reading
// validates the whole file and reports every problem in one error; writing is atomic.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <typegrad/core/error.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/io/file.hpp>

namespace typegrad {

static_assert(std::endian::native == std::endian::little,
              "typegrad's safetensors I/O copies little-endian data as is, so it needs a little-endian machine");

/// The element types safetensors names. typegrad computes in F32 and F64; the others can be read
/// and written as raw bytes (PyTorch stores batch norm's num_batches_tracked as I64, say).
enum class dtype { boolean, u8, i8, u16, i16, f16, bf16, u32, i32, f32, u64, i64, f64 };

namespace detail {
struct dtype_entry {
    dtype type;
    std::string_view name;
    std::size_t size;
};
inline constexpr std::array<dtype_entry, 13> dtypes{{{dtype::boolean, "BOOL", 1}, {dtype::u8, "U8", 1},
                                                     {dtype::i8, "I8", 1},        {dtype::u16, "U16", 2},
                                                     {dtype::i16, "I16", 2},      {dtype::f16, "F16", 2},
                                                     {dtype::bf16, "BF16", 2},    {dtype::u32, "U32", 4},
                                                     {dtype::i32, "I32", 4},      {dtype::f32, "F32", 4},
                                                     {dtype::u64, "U64", 8},      {dtype::i64, "I64", 8},
                                                     {dtype::f64, "F64", 8}}};
}  // namespace detail

constexpr std::string_view dtype_name(dtype type) { return detail::dtypes[static_cast<std::size_t>(type)].name; }
constexpr std::size_t dtype_size(dtype type) { return detail::dtypes[static_cast<std::size_t>(type)].size; }
constexpr std::optional<dtype> dtype_from_name(std::string_view name) {
    for (const auto& entry : detail::dtypes)
        if (entry.name == name) return entry.type;
    return std::nullopt;
}
/// The dtype that stores T: F32 for float, F64 for double.
template <scalar T>
inline constexpr dtype dtype_of = std::same_as<T, float> ? dtype::f32 : dtype::f64;

/// One tensor of a safetensors file: its name, dtype, shape and little-endian row-major bytes.
struct named_tensor {
    std::string name;
    dtype type = dtype::f32;
    std::vector<std::size_t> shape{};
    byte_buffer data{};

    std::size_t element_count() const {
        std::size_t n = 1;
        for (std::size_t d : shape) n *= d;
        return n;
    }

    /// A tensor of T (F32 or F64) holding a copy of the values.
    template <scalar T>
    static named_tensor from(std::string name, std::vector<std::size_t> shape, std::span<const T> values) {
        named_tensor t{std::move(name), dtype_of<T>, std::move(shape), byte_buffer(values.size_bytes())};
        std::memcpy(t.data.data(), values.data(), values.size_bytes());
        return t;
    }

    /// The values converted to T; needs dtype F32 or F64 (throws value_error otherwise).
    template <scalar T>
    std::vector<T> values() const {
        if (type != dtype::f32 && type != dtype::f64)
            throw value_error(detail::message("tensor '", name, "' has dtype ", dtype_name(type),
                                              ", expected F32 or F64"));
        std::vector<T> out(data.size() / dtype_size(type));
        for (std::size_t i = 0; i < out.size(); ++i) {
            if (type == dtype::f32) {
                float x;
                std::memcpy(&x, data.data() + 4 * i, 4);
                out[i] = static_cast<T>(x);
            } else {
                double x;
                std::memcpy(&x, data.data() + 8 * i, 8);
                out[i] = static_cast<T>(x);
            }
        }
        return out;
    }
};

/// The tensors of a file, in the order of their data, and its "__metadata__" strings.
struct safetensors_contents {
    std::vector<named_tensor> tensors;
    std::map<std::string, std::string> metadata;

    const named_tensor* find(std::string_view name) const {
        for (const auto& t : tensors)
            if (t.name == name) return &t;
        return nullptr;
    }
};

namespace detail {
inline std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s += "]";
}
}  // namespace detail

/// The bytes of a safetensors file holding the tensors in order (the header is padded with spaces
/// to a multiple of 8 bytes, so the data is aligned). Throws value_error, before producing anything,
/// for an empty, reserved or repeated name, or data whose size does not match dtype and shape.
inline byte_buffer encode_safetensors(std::span<const named_tensor> tensors,
                                      const std::map<std::string, std::string>& metadata = {}) {
    nlohmann::json header = nlohmann::json::object();
    std::size_t offset = 0;
    for (const auto& t : tensors) {
        if (t.name.empty() || t.name == "__metadata__" || header.contains(t.name))
            throw value_error(detail::message("cannot save tensor '", t.name, "': ",
                                              t.name.empty() ? "the name is empty"
                                              : header.contains(t.name) ? "the name is repeated"
                                                                        : "the name is reserved",
                                              ", expected a unique non-empty name"));
        if (t.data.size() != t.element_count() * dtype_size(t.type))
            throw value_error(detail::message("cannot save tensor '", t.name, "': ", t.data.size(), " bytes, expected ",
                                              t.element_count() * dtype_size(t.type), " for ", dtype_name(t.type),
                                              " shape ", detail::shape_text(t.shape)));
        header[t.name] = {{"dtype", dtype_name(t.type)}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.data.size()}}};
        offset += t.data.size();
    }
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::string text = header.dump();
    text.resize((text.size() + 7) / 8 * 8, ' ');
    byte_buffer out(8 + text.size() + offset);
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(std::uint64_t{text.size()} >> (8 * i));
    std::memcpy(out.data() + 8, text.data(), text.size());
    unsigned char* next = out.data() + 8 + text.size();
    for (const auto& t : tensors) next = std::copy(t.data.begin(), t.data.end(), next);
    return out;
}

/// Writes a safetensors file atomically (see write_file_atomically). Throws value_error or io_error.
inline void write_safetensors(const std::filesystem::path& path, std::span<const named_tensor> tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
    write_file_atomically(path, encode_safetensors(tensors, metadata));
}

/// Parses and validates the bytes of a safetensors file; `name` names it in messages. A file too
/// short for its header length, or whose header is not a JSON object, throws format_error at once;
/// otherwise every problem with every entry (dtype, shape, offsets out of range or overlapping,
/// sizes, repeated names, metadata) is collected and reported in one format_error.
inline safetensors_contents parse_safetensors(std::span<const unsigned char> bytes, std::string_view name) {
    const std::string file = detail::message("safetensors file '", name, "'");
    if (bytes.size() < 8)
        throw format_error(detail::message(file, ", byte 0: file is ", bytes.size(),
                                           " bytes, expected at least 8 for the header length"));
    std::uint64_t header_size = 0;
    for (std::size_t i = 0; i < 8; ++i) header_size |= std::uint64_t{bytes[i]} << (8 * i);
    if (header_size > bytes.size() - 8)
        throw format_error(detail::message(file, ", byte 0: header length ", header_size,
                                           " runs past the end of the file, expected at most ", bytes.size() - 8,
                                           " (the bytes after the 8-byte length)"));
    const auto header_bytes = bytes.subspan(8, header_size);
    const auto data = bytes.subspan(8 + header_size);
    const std::size_t data_start = 8 + header_size;

    std::vector<std::string> problems;
    std::set<std::string> keys;
    nlohmann::json header;
    try {
        // The callback sees every key of the top-level object, so repeated names are caught.
        header = nlohmann::json::parse(header_bytes.begin(), header_bytes.end(),
                                       [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
                                           if (event == nlohmann::json::parse_event_t::key && depth == 1 &&
                                               !keys.insert(parsed.get<std::string>()).second)
                                               problems.push_back(detail::message("name '", parsed.get<std::string>(),
                                                                                  "' appears more than once"));
                                           return true;
                                       });
    } catch (const nlohmann::json::parse_error& e) {
        throw format_error(detail::message(file, ", byte ", 8 + (e.byte > 0 ? e.byte - 1 : 0),
                                           ": header is not valid JSON, expected a JSON object (", e.what(), ")"));
    } catch (const nlohmann::json::exception& e) {
        throw format_error(detail::message(file, ", byte 8: header is not valid JSON, expected a JSON object (",
                                           e.what(), ")"));
    }
    if (!header.is_object())
        throw format_error(detail::message(file, ", byte 8: header is a JSON ", header.type_name(),
                                           ", expected a JSON object"));

    struct range {
        std::size_t begin, end;
        std::string name;
    };
    std::vector<range> ranges;
    safetensors_contents contents;
    for (const auto& [key, entry] : header.items()) {
        if (key == "__metadata__") {
            if (!entry.is_object()) {
                problems.push_back(detail::message("__metadata__ is a JSON ", entry.type_name(),
                                                   ", expected an object of strings"));
                continue;
            }
            for (const auto& [k, v] : entry.items()) {
                if (v.is_string()) contents.metadata[k] = v.get<std::string>();
                else problems.push_back(detail::message("__metadata__ entry '", k, "' is a JSON ", v.type_name(),
                                                        ", expected a string"));
            }
            continue;
        }
        const std::string where = detail::message("tensor '", key, "'");
        if (!entry.is_object()) {
            problems.push_back(detail::message(where, ": entry is a JSON ", entry.type_name(),
                                               ", expected an object with dtype, shape and data_offsets"));
            continue;
        }
        for (const auto& [k, v] : entry.items())
            if (k != "dtype" && k != "shape" && k != "data_offsets")
                problems.push_back(detail::message(where, ": unknown key '", k, "', expected dtype, shape and data_offsets"));
        named_tensor tensor{key};
        bool type_ok = false;
        const auto* type = entry.contains("dtype") ? &entry["dtype"] : nullptr;
        if (!type || !type->is_string())
            problems.push_back(detail::message(where, ": dtype is missing or not a string, expected e.g. \"F32\""));
        else if (auto t = dtype_from_name(type->get<std::string>())) tensor.type = *t, type_ok = true;
        else problems.push_back(detail::message(where, ": unknown dtype '", type->get<std::string>(),
                                                "', expected one of BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, "
                                                "F32, U64, I64, F64"));
        const auto* shape = entry.contains("shape") ? &entry["shape"] : nullptr;
        bool shape_ok = shape && shape->is_array();
        std::size_t elements = 1;
        bool overflow = false;
        if (shape_ok)
            for (const auto& d : *shape) {
                if (!d.is_number_unsigned()) {
                    shape_ok = false;
                    break;
                }
                tensor.shape.push_back(d.get<std::size_t>());
                if (tensor.shape.back() != 0 && elements > SIZE_MAX / 8 / tensor.shape.back()) overflow = true;
                else elements *= tensor.shape.back();
            }
        if (!shape_ok)
            problems.push_back(detail::message(where, ": shape is missing or not an array of integers >= 0, "
                                                      "expected e.g. [10, 128]"));
        const auto* offsets = entry.contains("data_offsets") ? &entry["data_offsets"] : nullptr;
        if (!offsets || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
            !(*offsets)[1].is_number_unsigned()) {
            problems.push_back(detail::message(where, ": data_offsets is missing or not two integers >= 0, "
                                                      "expected [begin, end]"));
            continue;
        }
        const auto begin = (*offsets)[0].get<std::uint64_t>(), end = (*offsets)[1].get<std::uint64_t>();
        const std::string span_text = detail::message("data_offsets [", begin, ", ", end, "]");
        if (begin > end) {
            problems.push_back(detail::message(where, ": ", span_text, " end before they begin, expected begin <= end"));
            continue;
        }
        if (end > data.size()) {
            problems.push_back(detail::message(where, ": ", span_text, " (file bytes ", data_start + begin, " to ",
                                               data_start + end, ") run past the end of the ", data.size(),
                                               "-byte data section, expected end <= ", data.size()));
            continue;
        }
        if (overflow)
            problems.push_back(detail::message(where, ": shape ", detail::shape_text(tensor.shape),
                                               " has too many elements, expected a size that fits in memory"));
        else if (shape_ok && type_ok && end - begin != elements * dtype_size(tensor.type))
            problems.push_back(detail::message(where, ": ", span_text, " hold ", end - begin, " bytes, expected ",
                                               elements * dtype_size(tensor.type), " for ", dtype_name(tensor.type),
                                               " shape ", detail::shape_text(tensor.shape)));
        tensor.data.assign(data.begin() + static_cast<std::ptrdiff_t>(begin),
                           data.begin() + static_cast<std::ptrdiff_t>(end));
        contents.tensors.push_back(std::move(tensor));
        ranges.push_back({begin, end, key});
    }

    // Non-empty byte ranges must not overlap: sorted by start, each must begin after the furthest end so far.
    std::sort(ranges.begin(), ranges.end(), [](const range& a, const range& b) { return a.begin < b.begin; });
    const range* furthest = nullptr;
    for (const auto& r : ranges) {
        if (r.begin == r.end) continue;
        if (furthest && r.begin < furthest->end)
            problems.push_back(detail::message("tensor '", r.name, "': data_offsets [", r.begin, ", ", r.end,
                                               "] overlap tensor '", furthest->name, "' at [", furthest->begin, ", ",
                                               furthest->end, "], expected disjoint byte ranges"));
        if (!furthest || r.end > furthest->end) furthest = &r;
    }

    if (!problems.empty()) {
        std::string text = detail::message(file, ", JSON header at byte 8 (", header_size, " bytes): ", problems.size(),
                                           problems.size() == 1 ? " problem" : " problems");
        for (const auto& p : problems) text += "\n  " + p;
        throw format_error(text);
    }
    std::stable_sort(contents.tensors.begin(), contents.tensors.end(), [&](const named_tensor& a, const named_tensor& b) {
        const auto offset = [&](const named_tensor& t) { return header[t.name]["data_offsets"][0].get<std::uint64_t>(); };
        return offset(a) < offset(b);
    });
    return contents;
}

/// Reads and validates a safetensors file, as parse_safetensors does. Throws io_error or format_error.
inline safetensors_contents read_safetensors(const std::filesystem::path& path) {
    return parse_safetensors(read_file(path), path.string());
}

}  // namespace typegrad
