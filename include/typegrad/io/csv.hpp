// CSV files of numbers: chosen feature columns become the fixed-size inputs of a dataset<T, In,
// Target>, and a label column (class indices) or target columns (regression) its targets.
// Plain numeric CSV: one record per line, no quoting; blank lines and a UTF-8 byte-order mark are
// skipped.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/core/error.hpp>
#include <typegrad/core/scalar.hpp>
#include <typegrad/io/file.hpp>
#include <typegrad/train/dataset.hpp>

namespace typegrad {

/// How to read a CSV file. Columns are 0-based indices; messages also count columns from 0 and
/// lines from 1.
struct csv_options {
    bool header = false;                  ///< the first line names the columns (messages quote the names)
    char delimiter = ',';
    std::vector<std::size_t> features{};  ///< the input columns, in order; empty: every column that is not a target
    std::vector<std::size_t> targets{};   ///< the label column, or the Out target columns; empty: the last column(s)
    std::size_t classes = 0;              ///< labelled sets: labels must be below it; 0: one more than the largest label
};

namespace detail {

template <class Target>
constexpr std::size_t target_width() {
    if constexpr (std::same_as<Target, std::size_t>) return 1;
    else return Target::extent;
}

inline std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

inline void split(std::string_view line, char delimiter, std::vector<std::string_view>& fields) {
    fields.clear();
    for (std::size_t start = 0;;) {
        const std::size_t end = line.find(delimiter, start);
        fields.push_back(trim(line.substr(start, end == std::string_view::npos ? end : end - start)));
        if (end == std::string_view::npos) return;
        start = end + 1;
    }
}

// A field or name as messages quote it: whole up to 80 bytes, else its first 80 (not cutting a UTF-8
// character) and its length, so a 10 MB field does not make a 10 MB message.
inline std::string quoted(std::string_view field) {
    constexpr std::size_t longest = 80;
    if (field.size() <= longest) return message("'", field, "'");
    std::size_t cut = longest;
    while (cut > 0 && (static_cast<unsigned char>(field[cut]) & 0xC0) == 0x80) --cut;
    return message("'", field.substr(0, cut), "...' (", field.size(), " bytes)");
}

// Whether a number that std::from_chars found out of range underflowed rather than overflowed. Written
// as 0.d...·10^e with a leading digit d ≠ 0, its magnitude is below 1 exactly when e <= 0.
inline bool underflows(std::string_view field) {
    const auto digit = [&](std::size_t i) { return i < field.size() && field[i] >= '0' && field[i] <= '9'; };
    std::size_t i = field.starts_with('-') ? 1 : 0;
    long long e = 0;
    bool leading = true;  // no nonzero digit yet
    for (; digit(i); ++i)
        if (!(leading && field[i] == '0')) leading = false, ++e;
    if (i < field.size() && field[i] == '.')
        for (++i; digit(i); ++i) {
            if (!leading) continue;
            if (field[i] == '0') --e;
            else leading = false;
        }
    if (i < field.size() && (field[i] == 'e' || field[i] == 'E')) {
        ++i;
        const bool negative = i < field.size() && field[i] == '-';
        if (i < field.size() && (field[i] == '-' || field[i] == '+')) ++i;
        long long exponent = 0;
        for (; digit(i); ++i) exponent = std::min(exponent * 10 + (field[i] - '0'), 1'000'000'000'000LL);  // saturates
        e += negative ? -exponent : exponent;
    }
    return e <= 0;
}

}  // namespace detail

/// Parses CSV text into a dataset; `name` names the source in messages. Throws format_error for
/// a row with the wrong number of columns or a field that is not a (finite) number, value_error
/// for options that do not fit the file or a label past options.classes.
template <scalar T, std::size_t In, class Target = std::size_t>
dataset<T, In, Target> parse_csv(std::string_view text, std::string_view name, const csv_options& options = {}) {
    constexpr std::size_t width = detail::target_width<Target>();
    dataset<T, In, Target> set;
    std::vector<std::string_view> fields, names;
    std::vector<std::size_t> features = options.features, targets = options.targets;
    std::size_t columns = 0;  // of the first line; 0 until it is read
    std::size_t line_number = 0;

    // "column 3 ('width')" when there is a header, "column 3" otherwise.
    auto column_name = [&](std::size_t c) {
        return c < names.size() ? detail::message("column ", c, " (", detail::quoted(names[c]), ")")
                                : detail::message("column ", c);
    };
    auto where = [&](std::size_t c) { return detail::message("CSV file '", name, "', line ", line_number, ", ", column_name(c)); };
    // Fixes the columns from the first line's column count, checking the options against it.
    auto choose_columns = [&] {
        if (targets.empty())
            for (std::size_t c = columns - std::min(columns, width); c < columns; ++c) targets.push_back(c);
        if (features.empty())
            for (std::size_t c = 0; c < columns; ++c)
                if (std::find(targets.begin(), targets.end(), c) == targets.end()) features.push_back(c);
        auto file = detail::message("CSV file '", name, "', line ", line_number, ": ");
        if (targets.size() != width)
            throw value_error(detail::message(file, targets.size(), " target columns chosen, expected ", width));
        if (features.size() != In)
            throw value_error(detail::message(file, features.size(), " feature columns chosen (of ", columns,
                                              " columns), expected ", In, ", the dataset's input size"));
        for (auto list : {&features, &targets})
            for (std::size_t c : *list)
                if (c >= columns)
                    throw value_error(detail::message(file, "column ", c, " is chosen but the file has ", columns,
                                                      " columns"));
    };
    auto number = [&](std::size_t c) {
        std::string_view field = fields[c];
        if (!field.empty() && field.front() == '+') field.remove_prefix(1);
        T value{};
        auto [end, status] = std::from_chars(field.data(), field.data() + field.size(), value);
        // A number too small for T (1e-50 in float) is 0, as strtod makes it; one too large is refused.
        if (status == std::errc::result_out_of_range && end == field.data() + field.size() && detail::underflows(field))
            value = field.starts_with('-') ? -T{0} : T{0}, status = std::errc{};
        if (fields[c].empty() || status != std::errc{} || end != field.data() + field.size() || !std::isfinite(value))
            throw format_error(detail::message(where(c), ": expected a finite number, found ", detail::quoted(fields[c])));
        return value;
    };
    auto label = [&](std::size_t c) {
        std::size_t value = 0;
        const std::string_view field = fields[c];
        const auto [end, status] = std::from_chars(field.data(), field.data() + field.size(), value);
        if (field.empty() || status != std::errc{} || end != field.data() + field.size())
            throw format_error(detail::message(where(c), ": expected a class index (an integer >= 0), found ",
                                               detail::quoted(field)));
        if (options.classes != 0 && value >= options.classes)
            throw value_error(detail::message(where(c), ": label ", value, " is not below the ", options.classes,
                                              " classes"));
        // The class count is one more than the largest label: SIZE_MAX would wrap it to 0, which turns
        // every later label check off.
        if (value == std::numeric_limits<std::size_t>::max())
            throw value_error(detail::message(where(c), ": label ", value,
                                              " leaves no class count that fits a std::size_t, expected a label below ",
                                              value));
        return value;
    };

    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (detail::trim(line).empty()) continue;
        detail::split(line, options.delimiter, fields);
        if (columns == 0) {
            columns = fields.size();
            choose_columns();
            if (options.header) {
                names.assign(fields.begin(), fields.end());
                continue;
            }
        } else if (fields.size() != columns) {
            throw format_error(detail::message("CSV file '", name, "', line ", line_number, ": found ", fields.size(),
                                               " columns, expected ", columns, " as in the first line"));
        }
        typename dataset<T, In, Target>::input_type input;
        for (std::size_t i = 0; i < In; ++i) input[i] = number(features[i]);
        if constexpr (dataset<T, In, Target>::labelled) {
            set.push_back(input, label(targets[0]));
            set.classes = std::max(set.classes, set.targets.back() + 1);
        } else {
            Target target;
            for (std::size_t i = 0; i < width; ++i) target[i] = number(targets[i]);
            set.push_back(input, target);
        }
    }
    if constexpr (dataset<T, In, Target>::labelled)
        if (options.classes != 0) set.classes = options.classes;
    return set;
}

/// Reads a CSV file (gzip-compressed too) into a dataset, as parse_csv does. Throws io_error when
/// the file cannot be read.
template <scalar T, std::size_t In, class Target = std::size_t>
dataset<T, In, Target> read_csv(const std::filesystem::path& path, const csv_options& options = {}) {
    const byte_buffer bytes = read_file_decompressed(path);
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return parse_csv<T, In, Target>(text, path.string(), options);
}

}  // namespace typegrad
