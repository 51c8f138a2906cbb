// The exception hierarchy for run-time input: every failure the library reports at run time is a
// tg::error, and its subclasses say which kind of input was wrong.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace typegrad {

/// Base of every exception typegrad throws. what() says what was wrong, where, and what was expected.
struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A file could not be opened, read or written.
struct io_error : error {
    using error::error;
};

/// A file's contents do not follow its format (IDX, CSV, safetensors, gzip).
struct format_error : error {
    using error::error;
};

/// A value is outside the range a network or a dataset accepts (a label past the class count, ...).
struct value_error : error {
    using error::error;
};

/// A weights file is well formed but does not fit the network type: missing or extra tensor
/// names, wrong dtypes or shapes. One error lists every mismatch.
struct weights_mismatch_error : error {
    using error::error;
};

/// Training produced a non-finite loss.
struct training_error : error {
    using error::error;
};

namespace detail {

/// Joins the pieces of an error message, each written as operator<< writes it.
template <class... Parts>
std::string message(const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
}

}  // namespace detail
}  // namespace typegrad
