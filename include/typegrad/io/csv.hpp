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
#include <span>
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
    std::size_t max_line_bytes = std::size_t{1} << 20;  ///< a longer line is an error (a reader holds one line)
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

/// Parses a CSV file a line at a time into a dataset, so that a file read in pieces (a gzip stream
/// inflated as it is parsed) is never held whole.
template <scalar T, std::size_t In, class Target>
class csv_parser {
public:
    csv_parser(std::string_view name, const csv_options& options)
        : name_(name), options_(options), features_(options.features), targets_(options.targets) {}

    /// The next line, without its '\n'.
    void line(std::string_view line) {
        if (++line_number_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // a UTF-8 byte-order mark
        if (trim(line).empty()) return;
        split(line, options_.delimiter, fields_);
        if (columns_ == 0) {
            columns_ = fields_.size();
            choose_columns();
            if (options_.header) {
                names_.assign(fields_.begin(), fields_.end());
                return;
            }
        } else if (fields_.size() != columns_) {
            throw format_error(message("CSV file '", name_, "', line ", line_number_, ": found ", fields_.size(),
                                       " columns, expected ", columns_, " as in the first line"));
        }
        typename dataset<T, In, Target>::input_type input;
        for (std::size_t i = 0; i < In; ++i) input[i] = number(features_[i]);
        if constexpr (dataset<T, In, Target>::labelled) {
            set_.push_back(input, label(targets_[0]));
            set_.classes = std::max(set_.classes, set_.targets.back() + 1);
        } else {
            Target target;
            for (std::size_t i = 0; i < width; ++i) target[i] = number(targets_[i]);
            set_.push_back(input, target);
        }
    }

    /// Feeds the lines of `bytes`, which may end part-way through a line: that part waits, up to
    /// options.max_line_bytes of it, for the next call or for finish().
    void feed(std::string_view bytes) {
        for (std::size_t start = 0;;) {
            const std::size_t end = bytes.find('\n', start);
            const std::string_view piece = bytes.substr(start, end == std::string_view::npos ? end : end - start);
            if (partial_.size() + piece.size() > options_.max_line_bytes)
                throw format_error(message("CSV file '", name_, "', line ", line_number_ + 1, ": longer than ",
                                           options_.max_line_bytes,
                                           " bytes (csv_options::max_line_bytes), expected a line of numbers"));
            if (end == std::string_view::npos) {
                partial_.append(piece);
                return;
            }
            if (partial_.empty()) {
                line(piece);
            } else {
                partial_.append(piece);
                line(partial_);
                partial_.clear();
            }
            start = end + 1;
        }
    }

    /// The dataset, after the last line (which needs no '\n').
    dataset<T, In, Target> finish() && {
        if (!partial_.empty()) line(partial_);
        if constexpr (dataset<T, In, Target>::labelled)
            if (options_.classes != 0) set_.classes = options_.classes;
        return std::move(set_);
    }

private:
    static constexpr std::size_t width = target_width<Target>();

    // "column 3 ('width')" when there is a header, "column 3" otherwise.
    std::string column_name(std::size_t c) const {
        return c < names_.size() ? message("column ", c, " (", detail::quoted(names_[c]), ")") : message("column ", c);
    }
    std::string where(std::size_t c) const {
        return message("CSV file '", name_, "', line ", line_number_, ", ", column_name(c));
    }
    // Fixes the columns from the first line's column count, checking the options against it.
    void choose_columns() {
        if (targets_.empty())
            for (std::size_t c = columns_ - std::min(columns_, width); c < columns_; ++c) targets_.push_back(c);
        if (features_.empty())
            for (std::size_t c = 0; c < columns_; ++c)
                if (std::find(targets_.begin(), targets_.end(), c) == targets_.end()) features_.push_back(c);
        const auto file = message("CSV file '", name_, "', line ", line_number_, ": ");
        if (targets_.size() != width)
            throw value_error(message(file, targets_.size(), " target columns chosen, expected ", width));
        if (features_.size() != In)
            throw value_error(message(file, features_.size(), " feature columns chosen (of ", columns_,
                                      " columns), expected ", In, ", the dataset's input size"));
        for (const auto* list : {&features_, &targets_})
            for (std::size_t c : *list)
                if (c >= columns_)
                    throw value_error(message(file, "column ", c, " is chosen but the file has ", columns_, " columns"));
    }
    T number(std::size_t c) const {
        std::string_view field = fields_[c];
        if (!field.empty() && field.front() == '+') field.remove_prefix(1);
        T value{};
        auto [end, status] = std::from_chars(field.data(), field.data() + field.size(), value);
        // A number too small for T (1e-50 in float) is 0, as strtod makes it; one too large is refused.
        if (status == std::errc::result_out_of_range && end == field.data() + field.size() && underflows(field))
            value = field.starts_with('-') ? -T{0} : T{0}, status = std::errc{};
        if (fields_[c].empty() || status != std::errc{} || end != field.data() + field.size() || !std::isfinite(value))
            throw format_error(message(where(c), ": expected a finite number, found ", detail::quoted(fields_[c])));
        return value;
    }
    std::size_t label(std::size_t c) const {
        std::size_t value = 0;
        const std::string_view field = fields_[c];
        const auto [end, status] = std::from_chars(field.data(), field.data() + field.size(), value);
        if (field.empty() || status != std::errc{} || end != field.data() + field.size())
            throw format_error(message(where(c), ": expected a class index (an integer >= 0), found ", detail::quoted(field)));
        if (options_.classes != 0 && value >= options_.classes)
            throw value_error(message(where(c), ": label ", value, " is not below the ", options_.classes, " classes"));
        // The class count is one more than the largest label: SIZE_MAX would wrap it to 0, which turns
        // every later label check off.
        if (value == std::numeric_limits<std::size_t>::max())
            throw value_error(message(where(c), ": label ", value,
                                      " leaves no class count that fits a std::size_t, expected a label below ", value));
        return value;
    }

    std::string_view name_;
    csv_options options_;
    dataset<T, In, Target> set_;
    std::vector<std::string_view> fields_;
    std::vector<std::string> names_;
    std::vector<std::size_t> features_, targets_;
    std::size_t columns_ = 0;  // of the first line; 0 until it is read
    std::size_t line_number_ = 0;
    std::string partial_;  // the start of a line that feed() has not seen the end of
};

}  // namespace detail

/// Parses CSV text into a dataset; `name` names the source in messages. Throws format_error for
/// a row with the wrong number of columns, a line longer than options.max_line_bytes or a field that
/// is not a (finite) number, value_error for options that do not fit the file or a label past
/// options.classes.
template <scalar T, std::size_t In, class Target = std::size_t>
dataset<T, In, Target> parse_csv(std::string_view text, std::string_view name, const csv_options& options = {}) {
    detail::csv_parser<T, In, Target> parser(name, options);
    parser.feed(text);
    return std::move(parser).finish();
}

/// Reads a CSV file into a dataset, as parse_csv does, a piece at a time: a gzip-compressed file
/// (recognised by its magic number) is parsed as it is inflated, and a plain one as it is read, so
/// that memory holds the dataset and at most one line of text (options.max_line_bytes) besides the
/// compressed bytes; a decompression bomb or an endless device is refused at its first bad line.
/// Throws io_error when the file cannot be read.
template <scalar T, std::size_t In, class Target = std::size_t>
dataset<T, In, Target> read_csv(const std::filesystem::path& path, const csv_options& options = {}) {
    const std::string name = path.string();
    detail::csv_parser<T, In, Target> parser(name, options);
    const auto text = [](std::span<const unsigned char> bytes) {
        return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    };
    input_file file(path);
    byte_buffer bytes;
    file.read(bytes, 2);
    if (is_gzip(bytes)) {
        while (file.read(bytes, std::size_t{1} << 20) > 0) {}
        gunzip_chunks(bytes, name, [&](std::span<const unsigned char> piece) {
            parser.feed(text(piece));
            return true;
        });
    } else {
        do {
            parser.feed(text(bytes));
            bytes.clear();
        } while (file.read(bytes, std::size_t{1} << 16) > 0);
    }
    return std::move(parser).finish();
}

}  // namespace typegrad
