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
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

/// Whether `type` holds floating-point numbers: F16, BF16, F32 or F64.
constexpr bool is_floating(dtype type) {
    return type == dtype::f16 || type == dtype::bf16 || type == dtype::f32 || type == dtype::f64;
}

/// Whether every value of dtype `from` is a value of T, so converting it loses nothing: F16, BF16
/// and F32 into float; those and F64 into double.
template <scalar T>
constexpr bool converts_exactly(dtype from) {
    return is_floating(from) && dtype_size(from) <= sizeof(T);
}

namespace detail {
/// IEEE 754 binary16 (1 sign, 5 exponent, 10 fraction bits) as a float, exactly.
constexpr float half_to_float(std::uint16_t half) {
    const std::uint32_t h = half, sign = h >> 15 << 31, exponent = h >> 10 & 0x1f, fraction = h & 0x3ff;
    if (exponent == 0) {  // zero or subnormal: fraction · 2^-24, exact in a float
        const float magnitude = static_cast<float>(fraction) * 0x1p-24f;
        return sign ? -magnitude : magnitude;
    }
    const std::uint32_t float_exponent = exponent == 0x1f ? 0xff : exponent - 15 + 127;  // infinity, NaN
    return std::bit_cast<float>(sign | float_exponent << 23 | fraction << 13);
}

/// bfloat16 (a float's upper 16 bits) as a float, exactly.
constexpr float bfloat16_to_float(std::uint16_t h) { return std::bit_cast<float>(std::uint32_t{h} << 16); }

template <class Stored>
Stored stored_value(const unsigned char* bytes, std::size_t i) {
    Stored x;
    std::memcpy(&x, bytes + sizeof(Stored) * i, sizeof(Stored));
    return x;
}

/// Converts out.size() values of dtype `type` at `bytes` into out; `type` must be floating.
template <scalar T>
void convert_floats(dtype type, const unsigned char* bytes, std::span<T> out) {
    if (type == dtype_of<T>) {
        if (!out.empty()) std::memcpy(out.data(), bytes, out.size_bytes());  // an empty span's data() may be null
        return;
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        switch (type) {
            case dtype::f16: out[i] = static_cast<T>(half_to_float(stored_value<std::uint16_t>(bytes, i))); break;
            case dtype::bf16: out[i] = static_cast<T>(bfloat16_to_float(stored_value<std::uint16_t>(bytes, i))); break;
            case dtype::f32: out[i] = static_cast<T>(stored_value<float>(bytes, i)); break;
            default: out[i] = static_cast<T>(stored_value<double>(bytes, i)); break;
        }
    }
}
}  // namespace detail

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

    /// The values converted to T; needs a floating dtype (F16, BF16, F32 or F64; throws value_error
    /// otherwise). Converting to a dtype at least as wide is exact.
    template <scalar T>
    std::vector<T> values() const {
        if (!is_floating(type))
            throw value_error(detail::message("tensor '", name, "' has dtype ", dtype_name(type),
                                              ", expected F16, BF16, F32 or F64"));
        std::vector<T> out(data.size() / dtype_size(type));
        detail::convert_floats(type, data.data(), std::span<T>(out));
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
// The bytes a tensor of this shape and element size holds, or nothing when that count overflows.
inline std::optional<std::size_t> shape_bytes(const std::vector<std::size_t>& shape, std::size_t element_size) {
    if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;  // no elements, however large the rest
    std::size_t bytes = element_size;
    for (std::size_t d : shape) {
        if (d != 0 && bytes > SIZE_MAX / d) return std::nullopt;
        bytes *= d;
    }
    return bytes;
}

inline constexpr std::uint64_t safetensors_max_header = 100'000'000;  // bytes, the reference implementation's limit
inline constexpr int safetensors_max_depth = 4;                      // of JSON nesting in the header
inline constexpr std::uint64_t unknown_size = UINT64_MAX;            // a stream's data section

// Throws value_error unless `text` can go in a header: no longer than a header may be, and valid UTF-8,
// as JSON requires (RapidJSON's writer would copy it as it is). The stream reads '\0' past its end, so
// a sequence cut by the end is caught in bounds.
inline void check_header_text(const std::string& text, std::string_view what) {
    if (text.size() > safetensors_max_header)
        throw value_error(message("cannot save ", what, ": ", text.size(), " bytes, expected at most ",
                                  safetensors_max_header, " as a whole header may hold"));
    rapidjson::MemoryStream in(text.data(), text.size());
    struct {
        void Put(char) {}
    } ignore;
    while (in.Tell() < text.size())
        if (const std::size_t at = in.Tell(); !rapidjson::UTF8<>::Validate(in, ignore))
            throw value_error(message("cannot save ", what, ": not valid UTF-8, expected UTF-8 text (byte ", at,
                                      " starts no valid UTF-8 character)"));
}

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
/// for an empty, reserved, repeated or non-UTF-8 name, non-UTF-8 metadata, a header longer than the
/// reference implementation reads (100 MB), a shape whose byte count overflows, or data whose size does
/// not match dtype and shape.
inline byte_buffer encode_safetensors(std::span<const named_tensor> tensors,
                                      const std::map<std::string, std::string>& metadata = {}) {
    std::map<std::string_view, std::size_t> names;  // each tensor's index, in the header's (sorted) order
    std::vector<std::size_t> offsets{0};
    for (const auto& t : tensors) {
        if (t.name.empty() || t.name == "__metadata__" || names.contains(t.name))
            throw value_error(detail::message("cannot save tensor '", t.name, "': ",
                                              t.name.empty() ? "the name is empty"
                                              : names.contains(t.name) ? "the name is repeated"
                                                                       : "the name is reserved",
                                              ", expected a unique non-empty name"));
        detail::check_header_text(t.name, detail::message("tensor '", t.name, "'"));
        const auto bytes = detail::shape_bytes(t.shape, dtype_size(t.type));
        if (!bytes)
            throw value_error(detail::message("cannot save tensor '", t.name, "': ", dtype_name(t.type), " shape ",
                                              detail::shape_text(t.shape), " has more bytes than a std::size_t counts, ",
                                              "expected a shape whose size fits in memory"));
        if (t.data.size() != *bytes)
            throw value_error(detail::message("cannot save tensor '", t.name, "': ", t.data.size(), " bytes, expected ",
                                              *bytes, " for ", dtype_name(t.type), " shape ",
                                              detail::shape_text(t.shape)));
        names.emplace(t.name, names.size());
        offsets.push_back(offsets.back() + t.data.size());
    }
    for (const auto& [key, value] : metadata) {
        detail::check_header_text(key, detail::message("metadata key '", key, "'"));
        detail::check_header_text(value, detail::message("the metadata value of '", key, "'"));
    }

    // The header's keys in sorted order, __metadata__ among them, as a JSON object keeps them.
    rapidjson::StringBuffer text;
    rapidjson::Writer<rapidjson::StringBuffer> json(text);
    const auto key = [&](std::string_view k) { json.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); };
    const auto write_metadata = [&] {
        key("__metadata__");
        json.StartObject();
        for (const auto& [k, v] : metadata) {
            key(k);
            json.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
        }
        json.EndObject();
    };
    json.StartObject();
    bool metadata_written = metadata.empty();
    for (const auto& [name, i] : names) {
        if (!metadata_written && name > "__metadata__") write_metadata(), metadata_written = true;
        key(name);
        json.StartObject();
        key("data_offsets");
        json.StartArray();
        json.Uint64(offsets[i]);
        json.Uint64(offsets[i + 1]);
        json.EndArray();
        key("dtype");
        const std::string_view type = dtype_name(tensors[i].type);
        json.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
        key("shape");
        json.StartArray();
        for (std::size_t d : tensors[i].shape) json.Uint64(d);
        json.EndArray();
        json.EndObject();
    }
    if (!metadata_written) write_metadata();
    json.EndObject();

    if (text.GetSize() > detail::safetensors_max_header)
        throw value_error(detail::message("cannot save: the header would be ", text.GetSize(), " bytes, expected at most ",
                                          detail::safetensors_max_header, " as the reference implementation allows"));
    const std::size_t header_size = (text.GetSize() + 7) / 8 * 8;
    byte_buffer out(8 + header_size + offsets.back(), ' ');
    for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(std::uint64_t{header_size} >> (8 * i));
    std::memcpy(out.data() + 8, text.GetString(), text.GetSize());
    unsigned char* next = out.data() + 8 + header_size;
    for (const auto& t : tensors) next = std::copy(t.data.begin(), t.data.end(), next);
    return out;
}

/// Writes a safetensors file atomically (see write_file_atomically). Throws value_error or io_error.
inline void write_safetensors(const std::filesystem::path& path, std::span<const named_tensor> tensors,
                              const std::map<std::string, std::string>& metadata = {}) {
    write_file_atomically(path, encode_safetensors(tensors, metadata));
}

namespace detail {

// The header length in the first 8 bytes of a file of `available` bytes (fewer than 8: the file ends
// there; unknown_size for a stream), checked before any more is read.
inline std::uint64_t safetensors_header_size(std::span<const unsigned char> first, std::uint64_t available,
                                             const std::string& file) {
    if (first.size() < 8)
        throw format_error(message(file, ", byte 0: file is ", first.size(),
                                   " bytes, expected at least 8 for the header length"));
    std::uint64_t header_size = 0;
    for (std::size_t i = 0; i < 8; ++i) header_size |= std::uint64_t{first[i]} << (8 * i);
    if (available != unknown_size && header_size > available - 8)
        throw format_error(message(file, ", byte 0: header length ", header_size,
                                   " runs past the end of the file, expected at most ", available - 8,
                                   " (the bytes after the 8-byte length)"));
    if (header_size > safetensors_max_header)
        throw format_error(message(file, ", byte 0: header length ", header_size, " is too large, expected at most ",
                                   safetensors_max_header, " as the reference implementation allows"));
    return header_size;
}

// A checked header: the tensors in the order of their data, without it, and each one's byte count.
// The byte ranges tile the data section, so the tensors' data follow one another in that order.
struct safetensors_layout {
    safetensors_contents contents;
    std::vector<std::uint64_t> sizes;
};

// The header's JSON document, built from RapidJSON's parse events: a container nested more than
// safetensors_max_depth deep stops the parse (entries nest 3 deep; deeper ones would only cost memory).
class header_builder {
public:
    explicit header_builder(rapidjson::Document& doc) : doc_(doc) {}
    bool too_deep() const { return too_deep_; }

    bool Null() { return doc_.Null(); }
    bool Bool(bool b) { return doc_.Bool(b); }
    bool Int(int i) { return doc_.Int(i); }
    bool Uint(unsigned u) { return doc_.Uint(u); }
    bool Int64(std::int64_t i) { return doc_.Int64(i); }
    bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
    bool Double(double d) { return doc_.Double(d); }
    bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return doc_.RawNumber(s, n, copy); }
    bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
    bool StartObject() { return enter() && doc_.StartObject(); }
    bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
    bool EndObject(rapidjson::SizeType members) { return --depth_, doc_.EndObject(members); }
    bool StartArray() { return enter() && doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType elements) { return --depth_, doc_.EndArray(elements); }

private:
    bool enter() {
        too_deep_ = ++depth_ > safetensors_max_depth;
        return !too_deep_;
    }
    rapidjson::Document& doc_;
    int depth_ = 0;
    bool too_deep_ = false;
};

inline const char* json_type_name(const rapidjson::Value& v) {
    switch (v.GetType()) {
        case rapidjson::kNullType: return "null";
        case rapidjson::kFalseType:
        case rapidjson::kTrueType: return "boolean";
        case rapidjson::kObjectType: return "object";
        case rapidjson::kArrayType: return "array";
        case rapidjson::kStringType: return "string";
        case rapidjson::kNumberType: break;
    }
    return "number";
}

inline std::string json_string(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// f(name, value) for each member of a JSON object, in order; by index, since C++20 clang finds RapidJSON
// 1.1.0's iterator comparisons ambiguous.
template <class F>
void for_each_member(const rapidjson::Value& object, F&& f) {
    const auto first = object.MemberBegin();
    for (rapidjson::SizeType i = 0; i < object.MemberCount(); ++i) f(first[i].name, first[i].value);
}

// Checks the JSON header of a file whose data section holds `data_size` bytes (unknown_size for a
// stream: only the header's own consistency is checked).
inline safetensors_layout parse_safetensors_header(std::span<const unsigned char> header_bytes,
                                                   std::uint64_t data_size, const std::string& file) {
    const std::uint64_t header_size = header_bytes.size();
    const std::uint64_t data_start = 8 + header_size;
    // A NUL would read as the end of the text; the format has none.
    if (const auto nul = std::find(header_bytes.begin(), header_bytes.end(), 0); nul != header_bytes.end())
        throw format_error(message(file, ", byte ", 8 + (nul - header_bytes.begin()),
                                   ": NUL byte in the header, expected JSON text padded with spaces"));

    detail::problem_list problems;
    rapidjson::Document header;
    rapidjson::Reader reader;
    header_builder builder(header);
    const auto parse = [&](rapidjson::Document&) {
        rapidjson::MemoryStream in(reinterpret_cast<const char*>(header_bytes.data()), header_bytes.size());
        return !reader.Parse<rapidjson::kParseValidateEncodingFlag>(in, builder).IsError();
    };
    header.Populate(parse);
    if (builder.too_deep())
        throw format_error(message(file, ", JSON header at byte 8: values nest more than ", safetensors_max_depth,
                                   " deep, expected tensor entries of dtype, shape and data_offsets"));
    if (reader.HasParseError())
        throw format_error(message(file, ", byte ", 8 + reader.GetErrorOffset(),
                                   ": header is not valid JSON, expected a JSON object (",
                                   rapidjson::GetParseError_En(reader.GetParseErrorCode()), ")"));
    if (!header.IsObject())
        throw format_error(message(file, ", byte 8: header is a JSON ", json_type_name(header),
                                   ", expected a JSON object"));

    struct range {
        std::size_t begin, end;
        std::string name;
        std::size_t tensor;  // its index in contents.tensors
    };
    std::vector<range> ranges;
    safetensors_contents contents;
    std::set<std::string> seen;
    for_each_member(header, [&](const rapidjson::Value& name, const rapidjson::Value& entry) {
        const std::string key = json_string(name);
        if (!seen.insert(key).second) {  // only the first entry of a name is checked
            problems.push_back(detail::message("name ", detail::quoted(key), " appears more than once"));
            return;
        }
        if (key == "__metadata__") {
            if (!entry.IsObject()) {
                problems.push_back(detail::message("__metadata__ is a JSON ", json_type_name(entry),
                                                   ", expected an object of strings"));
                return;
            }
            for_each_member(entry, [&](const rapidjson::Value& k, const rapidjson::Value& v) {
                if (v.IsString()) contents.metadata[json_string(k)] = json_string(v);
                else problems.push_back(detail::message("__metadata__ entry ", detail::quoted(json_string(k)),
                                                        " is a JSON ", json_type_name(v), ", expected a string"));
            });
            return;
        }
        const std::string where = "tensor " + detail::quoted(key);
        if (!entry.IsObject()) {
            problems.push_back(detail::message(where, ": entry is a JSON ", json_type_name(entry),
                                               ", expected an object with dtype, shape and data_offsets"));
            return;
        }
        const rapidjson::Value *type = nullptr, *shape = nullptr, *offsets = nullptr;
        for_each_member(entry, [&](const rapidjson::Value& k, const rapidjson::Value& v) {
            const std::string field = json_string(k);
            const rapidjson::Value** slot = field == "dtype" ? &type : field == "shape" ? &shape
                                          : field == "data_offsets" ? &offsets : nullptr;
            if (!slot)
                problems.push_back(detail::message(where, ": unknown key ", detail::quoted(field),
                                                   ", expected dtype, shape and data_offsets"));
            else if (*slot)
                problems.push_back(detail::message(where, ": ", field, " appears more than once, expected it once"));
            else
                *slot = &v;
        });
        named_tensor tensor{key};
        bool type_ok = false;
        if (!type || !type->IsString())
            problems.push_back(detail::message(where, ": dtype is missing or not a string, expected e.g. \"F32\""));
        else if (auto t = dtype_from_name(json_string(*type))) tensor.type = *t, type_ok = true;
        else problems.push_back(detail::message(where, ": unknown dtype ", detail::quoted(json_string(*type)),
                                                ", expected one of BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, "
                                                "F32, U64, I64, F64"));
        bool shape_ok = shape && shape->IsArray();
        if (shape_ok)
            for (const auto& d : shape->GetArray()) {
                if (!d.IsUint64()) {
                    shape_ok = false;
                    break;
                }
                tensor.shape.push_back(d.GetUint64());
            }
        const std::optional<std::size_t> bytes = detail::shape_bytes(tensor.shape, type_ok ? dtype_size(tensor.type) : 1);
        if (!shape_ok)
            problems.push_back(detail::message(where, ": shape is missing or not an array of integers >= 0, "
                                                      "expected e.g. [10, 128]"));
        if (!offsets || !offsets->IsArray() || offsets->Size() != 2 || !(*offsets)[0].IsUint64() ||
            !(*offsets)[1].IsUint64()) {
            problems.push_back(detail::message(where, ": data_offsets is missing or not two integers >= 0, "
                                                      "expected [begin, end]"));
            return;
        }
        const std::uint64_t begin = (*offsets)[0].GetUint64(), end = (*offsets)[1].GetUint64();
        const std::string span_text = detail::message("data_offsets [", begin, ", ", end, "]");
        if (begin > end) {
            problems.push_back(detail::message(where, ": ", span_text, " end before they begin, expected begin <= end"));
            return;
        }
        if (data_size != unknown_size && end > data_size) {
            problems.push_back(detail::message(where, ": ", span_text, " (file bytes ", data_start + begin, " to ",
                                               data_start + end, ") run past the end of the ", data_size,
                                               "-byte data section, expected end <= ", data_size));
            return;
        }
        if (shape_ok && !bytes)
            problems.push_back(detail::message(where, ": shape ", detail::shape_text(tensor.shape),
                                               " has too many elements, expected a size that fits in memory"));
        else if (shape_ok && type_ok && end - begin != *bytes)
            problems.push_back(detail::message(where, ": ", span_text, " hold ", end - begin, " bytes, expected ",
                                               *bytes, " for ", dtype_name(tensor.type), " shape ",
                                               detail::shape_text(tensor.shape)));
        ranges.push_back({begin, end, key, contents.tensors.size()});
        contents.tensors.push_back(std::move(tensor));
    });

    // The byte ranges must tile the data section, as the reference implementation requires: sorted by
    // start, each non-empty one begins where the furthest end so far is (before: an overlap; after: a
    // hole), and the last ends at the end of the file.
    std::stable_sort(ranges.begin(), ranges.end(), [](const range& a, const range& b) { return a.begin < b.begin; });
    const range* furthest = nullptr;
    for (const auto& r : ranges) {
        const std::size_t reached = furthest ? furthest->end : 0;
        if (r.begin > reached)
            problems.push_back(detail::message("tensor ", detail::quoted(r.name), ": data_offsets [", r.begin, ", ", r.end,
                                               "] leave data bytes [", reached, ", ", r.begin, ") unused ",
                                               furthest ? "after tensor " + detail::quoted(furthest->name)
                                                        : std::string("at the start"),
                                               ", expected each tensor's data to start where the previous one's ends"));
        if (r.begin == r.end) continue;
        if (furthest && r.begin < furthest->end)
            problems.push_back(detail::message("tensor ", detail::quoted(r.name), ": data_offsets [", r.begin, ", ", r.end,
                                               "] overlap tensor ", detail::quoted(furthest->name), " at [", furthest->begin, ", ",
                                               furthest->end, "], expected disjoint byte ranges"));
        if (!furthest || r.end > furthest->end) furthest = &r;
    }
    if (const std::uint64_t reached = furthest ? furthest->end : 0; data_size != unknown_size && reached < data_size)
        problems.push_back(detail::message(data_size - reached, " bytes after the last tensor's data (file bytes ",
                                           data_start + reached, " to ", data_start + data_size,
                                           "), expected the file to end there"));

    if (!problems.empty()) {
        std::string text = detail::message(file, ", JSON header at byte 8 (", header_size, " bytes): ", problems.size(),
                                           problems.size() == 1 ? " problem" : " problems");
        throw format_error(text + problems.lines());
    }
    safetensors_layout layout{{{}, std::move(contents.metadata)}, {}};
    for (const auto& r : ranges) {  // in the order of their data
        layout.contents.tensors.push_back(std::move(contents.tensors[r.tensor]));
        layout.sizes.push_back(r.end - r.begin);
    }
    return layout;
}

}  // namespace detail

/// Parses and validates the bytes of a safetensors file; `name` names it in messages. A file too
/// short for its header length, or whose header is not a JSON object, throws format_error at once;
/// otherwise every problem with every entry (dtype, shape, offsets out of range, overlapping or
/// leaving holes, bytes after the last tensor, sizes, repeated names, metadata) is collected and
/// reported in one format_error.
inline safetensors_contents parse_safetensors(std::span<const unsigned char> bytes, std::string_view name) {
    const std::string file = detail::message("safetensors file '", name, "'");
    const std::uint64_t header_size = detail::safetensors_header_size(bytes.first(std::min<std::size_t>(8, bytes.size())),
                                                                      bytes.size(), file);
    detail::safetensors_layout layout =
        detail::parse_safetensors_header(bytes.subspan(8, header_size), bytes.size() - 8 - header_size, file);
    const unsigned char* next = bytes.data() + 8 + header_size;
    for (std::size_t i = 0; i < layout.sizes.size(); ++i, next += layout.sizes[i - 1])
        layout.contents.tensors[i].data.assign(next, next + layout.sizes[i]);
    return std::move(layout.contents);
}

/// Reads and validates a safetensors file, as parse_safetensors does, reading no more than it
/// describes: the header length is checked against the file's size before the header is read, the
/// header before any data, and each tensor's data is read into it directly. A pipe or a device is
/// read the same way and must end after the last tensor. Throws io_error or format_error.
inline safetensors_contents read_safetensors(const std::filesystem::path& path) {
    const std::string file = detail::message("safetensors file '", path.string(), "'");
    input_file in(path);
    const std::uint64_t size = in.size();
    byte_buffer bytes;
    in.read(bytes, 8);
    const std::uint64_t header_size = detail::safetensors_header_size(bytes, size, file);
    bytes.clear();
    if (in.read(bytes, header_size) < header_size)  // only a stream: a file's size was checked
        throw format_error(detail::message(file, ", byte ", 8 + bytes.size(), ": file ends inside the ", header_size,
                                           "-byte header, expected the rest of it"));
    detail::safetensors_layout layout = detail::parse_safetensors_header(
        bytes, size == detail::unknown_size ? detail::unknown_size : size - 8 - header_size, file);
    std::uint64_t at = 8 + header_size;
    for (std::size_t i = 0; i < layout.sizes.size(); ++i) {
        named_tensor& t = layout.contents.tensors[i];
        if (in.read(t.data, layout.sizes[i]) < layout.sizes[i])
            throw format_error(detail::message(file, ", byte ", at + t.data.size(), ": file ends inside the data of tensor '",
                                               t.name, "', expected ", layout.sizes[i] - t.data.size(), " more bytes"));
        at += layout.sizes[i];
    }
    byte_buffer rest;
    if (in.read(rest, 1) > 0)  // only a stream, or a file that grew
        throw format_error(detail::message(file, ", byte ", at,
                                           ": more bytes after the last tensor's data, expected the end of the file"));
    return std::move(layout.contents);
}

}  // namespace typegrad
