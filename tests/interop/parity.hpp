// What the PyTorch parity checkers share: the JSON lists of numbers the scripts store in a file's
// metadata; a tensor's values in PyTorch's order and back, whatever layout typegrad keeps it in; and
// for the checkers of whole sequence networks (check_conv1d, check_recurrent_net), a count of the
// values compared and of those that differ, and the comparison itself, in double within 1e-12
// relative (with a floor of 1).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <rapidjson/document.h>

namespace parity {

/// The numbers of a JSON array such as "[0.5, -1, 2e-3]".
inline std::vector<double> numbers(const rapidjson::Value& array) {
    if (!array.IsArray()) throw std::runtime_error("expected a JSON array of numbers");
    std::vector<double> values;
    for (const auto& v : array.GetArray()) {
        if (!v.IsNumber()) throw std::runtime_error("expected a JSON array of numbers");
        values.push_back(v.GetDouble());
    }
    return values;
}
inline rapidjson::Document parse_json(const std::string& text) {
    rapidjson::Document d;
    if (d.Parse(text.c_str(), text.size()).HasParseError()) throw std::runtime_error("not JSON: " + text.substr(0, 80));
    return d;
}
inline std::vector<double> numbers(const std::string& json) { return numbers(parse_json(json)); }

/// The lists of numbers of a JSON object such as {"0.W": [1, 2], "0.b": [3]}, by name.
inline std::map<std::string, std::vector<double>> number_lists(const std::string& json) {
    const rapidjson::Document d = parse_json(json);
    if (!d.IsObject()) throw std::runtime_error("expected a JSON object of lists of numbers");
    std::map<std::string, std::vector<double>> lists;
    for (const auto& [name, list] : d.GetObject()) lists[name.GetString()] = numbers(list);
    return lists;
}

/// Whether t is a matrix read by t(r, c), such as a dense layer's W.
template <class Tensor>
concept matrix = requires(const Tensor& t, std::size_t i) {
    t(i, i);
    Tensor::rows();
    Tensor::cols();
};

/// t's values in PyTorch's order: a matrix row by row through t(r, c), anything else as stored.
template <class Tensor>
std::vector<double> row_major(const Tensor& t) {
    std::vector<double> values;
    if constexpr (matrix<Tensor>) {
        for (std::size_t r = 0; r < Tensor::rows(); ++r)
            for (std::size_t c = 0; c < Tensor::cols(); ++c) values.push_back(double(t(r, c)));
    } else {
        values.assign(t.data(), t.data() + t.size());
    }
    return values;
}

/// Sets t from values in PyTorch's order (row_major's inverse).
template <class Tensor>
void set_row_major(Tensor& t, const std::vector<double>& values) {
    if constexpr (matrix<Tensor>) {
        for (std::size_t r = 0; r < Tensor::rows(); ++r)
            for (std::size_t c = 0; c < Tensor::cols(); ++c) t(r, c) = values.at(r * Tensor::cols() + c);
    } else {
        for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = values.at(i);
    }
}

inline int failures = 0;
inline std::size_t compared = 0;

/// Compares ours[i] with theirs[i] for every i, printing each that differs.
inline void compare(const std::string& what, const double* ours, const std::vector<double>& theirs) {
    for (std::size_t i = 0; i < theirs.size(); ++i, ++compared)
        if (!(std::abs(ours[i] - theirs[i]) <= 1e-12 * (1 + std::abs(theirs[i])))) {
            std::printf("%s[%zu]: typegrad %.17g, PyTorch %.17g\n", what.c_str(), i, ours[i], theirs[i]);
            ++failures;
        }
}

}  // namespace parity
